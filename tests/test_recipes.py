"""`keras_gan.recipes`: what each recipe builds, its schedules, and `--recipe`."""

import contextlib
import io
import math

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import architectures
from keras_gan import cli
from keras_gan import recipes

# fmt: off
TINY_CLI = ["--epochs", "2", "--max-samples", "64", "--batch-size", "32", "--no-scores",
            "--quiet"]
# fmt: on


def _weights(model):
    return [np.asarray(w) for w in model.get_weights()]


def _assert_same_weights(a, b):
    wa, wb = _weights(a), _weights(b)
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


def test_dcgan_is_the_classic_recipe():
    gan, callbacks = recipes.dcgan((8, 8, 1), seed=3)
    assert callbacks == []
    assert isinstance(gan, keras_gan.GAN) and not isinstance(gan, keras_gan.ConditionalGAN)
    _assert_same_weights(
        gan.generator, architectures.dcgan_generator((8, 8, 1), 32, width=32, seed=3)
    )
    _assert_same_weights(
        gan.discriminator, architectures.dcgan_discriminator((8, 8, 1), width=32, seed=4)
    )
    assert isinstance(gan.gan_loss, keras_gan.losses.NonSaturating)
    assert float(gan.ema_decay) == pytest.approx(0.999)
    for optimizer, rate in ((gan.d_optimizer, 5e-4), (gan.g_optimizer, 1e-3)):
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate) == pytest.approx(rate)
        assert optimizer.beta_1 == 0.5
    # The preset for square 32, 64 and 128 px images.
    preset, _ = recipes.dcgan((32, 32, 3), seed=0)
    _assert_same_weights(preset.generator, architectures.dcgan_preset(32, 3, seed=0)[0])


def test_dcgan_defaults_are_the_command_lines():
    args = cli.build_parser().parse_args(["train"])
    assert args.recipe == "dcgan"
    assert (args.loss, args.d_lr, args.g_lr, args.ema_decay) == (
        recipes.DCGAN_DEFAULTS["loss"],
        recipes.DCGAN_DEFAULTS["d_learning_rate"],
        recipes.DCGAN_DEFAULTS["g_learning_rate"],
        recipes.DCGAN_DEFAULTS["ema_decay"],
    )
    assert cli.RECIPES == recipes.RECIPES == tuple(cli.RECIPE_NAMES)


def _embedding_rows(model):
    (table,) = [v for v in model.trainable_variables if "embedding" in v.path]
    return np.array(keras.ops.convert_to_numpy(table))


def test_conditional_dcgan_trains_each_class_it_is_given():
    # Labels 1 and 2 only: their embedding rows move in both networks, row 0 does not
    # (a step that dropped the labels, or fed zeros, would move row 0 alone).
    gan, _ = recipes.dcgan((8, 8, 1), num_classes=3, seed=0, width=8, latent_dim=4)
    assert isinstance(gan, keras_gan.ConditionalGAN)
    before = [_embedding_rows(gan.generator), _embedding_rows(gan.discriminator)]
    images = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    gan.fit(images, 1 + np.arange(16) % 2, batch_size=8, epochs=1, verbose=0)
    for old, model in zip(before, (gan.generator, gan.discriminator)):
        moved = np.abs(_embedding_rows(model) - old).max(axis=1)
        assert moved[0] == 0 and np.all(moved[1:] > 1e-5), (model.name, moved)
    samples = gan.generate(6, labels=np.array([0, 1, 2, 0, 1, 2]), seed=0)
    assert samples.shape == (6, 8, 8, 1)


def test_r3gan_builds_the_modern_baseline():
    gan, callbacks = recipes.r3gan((8, 8, 3), total_images=1000, seed=2, width=16)
    assert isinstance(gan.gan_loss, keras_gan.losses.Relativistic)
    settings = recipes.R3GAN_SETTINGS
    assert float(gan.r1_penalty) == float(gan.r2_penalty) == settings["gamma_start"]
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert optimizer.beta_1 == 0.0
    assert not any(
        isinstance(layer, keras.layers.BatchNormalization)
        for model in (gan.generator, gan.discriminator)
        for layer in model._flatten_layers()
    )
    _assert_same_weights(
        gan.generator, architectures.r3gan_generator((8, 8, 3), 64, width=16, seed=2)
    )
    (scheduler,) = callbacks
    assert isinstance(scheduler, keras_gan.callbacks.HyperparameterScheduler)


@pytest.mark.parametrize("side", [8, 16, 32])
def test_r3gan_learning_rate_by_image_side_and_override(side):
    gan, _ = recipes.r3gan((side, side, 1), total_images=64, seed=0, width=8)
    expected = recipes.R3GAN_LEARNING_RATES.get(side, recipes.R3GAN_SETTINGS["learning_rate"])
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(expected)
    schedule = keras.optimizers.schedules.CosineDecay(3e-4, decay_steps=10)
    gan, _ = recipes.r3gan(
        (side, side, 1), total_images=64, seed=0, width=8, learning_rate=schedule
    )
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(3e-4)  # the schedule at step 0


def _cosine(start, end, t, length):
    """An independent half cosine from `start` (t = 0) to `end` (t >= length)."""
    t = min(t, length)
    return end + (start - end) * (1 + math.cos(math.pi * t / length)) / 2


def test_r3gan_penalties_decay_along_the_run():
    total = 320
    gan, callbacks = recipes.r3gan((8, 8, 1), total_images=total, seed=0, width=16)
    images = np.random.default_rng(0).uniform(-1, 1, (160, 8, 8, 1)).astype("float32")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append((int(gan.images_seen), float(gan.r1_penalty), float(gan.r2_penalty)))

    history = gan.fit(images, batch_size=32, epochs=2, verbose=0, callbacks=[*callbacks, Record()])
    settings = recipes.R3GAN_SETTINGS
    start, end = settings["gamma_start"], settings["gamma_end"]
    update_every = recipes._update_every(total)
    for images_seen, r1, r2 in seen:
        at = images_seen - images_seen % update_every  # set at the last update point
        assert r1 == pytest.approx(_cosine(start, end, at, total), rel=1e-5)
        assert r2 == r1
    assert seen[-1][1] < seen[0][1]
    assert history.history["r1_penalty_weight"][-1] == pytest.approx(seen[-1][1], rel=1e-6)


def test_r3gan_conditional():
    gan, _ = recipes.r3gan((8, 8, 1), num_classes=4, total_images=64, seed=0, width=16)
    assert isinstance(gan, keras_gan.ConditionalGAN) and gan.num_classes == 4
    images = np.zeros((8, 8, 8, 1), "float32")
    gan.fit(images, np.arange(8) % 4, batch_size=4, epochs=1, verbose=0)


def test_r3gan_compile_overrides():
    gan, callbacks = recipes.r3gan(
        (8, 8, 1), total_images=64, width=16, r2_penalty=0.0, augment="diffaugment"
    )
    assert float(gan.r2_penalty) == 0.0 and gan.augmenter is not None
    (scheduler,) = callbacks
    assert set(scheduler.schedules) == {"r1_penalty"}


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: recipes.r3gan((8, 8, 1)), "total_images"),
        (lambda: recipes.r3gan((8, 8, 1), total_images=0), "Expected `total_images`"),
        (lambda: recipes.r3gan((8, 8), total_images=10), "Expected `image_shape`"),
        (lambda: recipes.dcgan("8x8"), "Expected `image_shape`"),
        (lambda: recipes.dcgan((8, 8, 1), total_images=2.5), "Expected `total_images`"),
        (lambda: recipes.get("stylegan"), "Expected a recipe among"),
        (lambda: recipes.r3gan((12, 12, 1), total_images=10), "12"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_cli_trains_the_r3gan_recipe(tmp_path):
    argv = ["train", "--recipe", "r3gan", "--width", "16", *TINY_CLI]
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main([*argv, "--output-dir", str(tmp_path), "--name", "r3"]) == 0
    gan = keras.models.load_model(tmp_path / "r3" / "gan.keras")
    assert isinstance(gan.gan_loss, keras_gan.losses.Relativistic)
    # Two epochs of 64 images: the penalties moved along the cosine.
    assert float(gan.r1_penalty) < recipes.R3GAN_SETTINGS["gamma_start"]


def test_cli_refuses_dcgan_flags_with_r3gan(capsys, tmp_path):
    argv = [
        "train",
        "--recipe",
        "r3gan",
        "--loss",
        "hinge",
        "--reuse",
        "--output-dir",
        str(tmp_path),
    ]
    assert cli.main(argv) == 1
    line = capsys.readouterr().err.strip()
    assert "Expected none of --loss, --reuse-fakes with --recipe r3gan" in line
    assert "\n" not in line
