"""Augmentation: DiffAugment and ADA layers, and `compile(augment=...)` in the GAN step."""

import warnings

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from model_zoo import changed
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot
from model_zoo import training_state

import keras_gan
from keras_gan.augmentation import ADA
from keras_gan.augmentation import DiffAugment


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def augmenters(seed=0):
    return [DiffAugment(seed=seed), ADA(p=1.0, adaptive=False, seed=seed)]


def gan_for(shape=(8, 8, 1), **kwargs):
    generator = dense_generator(latent_dim=4, sample_shape=shape)
    discriminator = dense_discriminator(sample_shape=shape, dropout=0)
    return keras_gan.GAN(generator, discriminator, **kwargs)


def compiled(gan, lr=1e-2, **kwargs):
    gan.compile(keras.optimizers.Adam(lr), keras.optimizers.Adam(lr), **kwargs)
    return gan


@given(
    height=st.integers(3, 12),
    width=st.integers(3, 12),
    channels=st.sampled_from([1, 3]),
    dtype=st.sampled_from(["float32", "float16"]),
)
def test_shape_and_dtype_kept_for_any_image(height, width, channels, dtype):
    x = images(3, (height, width, channels)).astype(dtype)
    for augmenter in augmenters():
        y = augmenter(x, training=True)
        assert tuple(y.shape) == x.shape and keras.backend.standardize_dtype(y.dtype) == dtype
        assert np.all(np.isfinite(numpy(y).astype("float32")))


def augmented(augmenter, x):
    """`augmenter(x, training=True)` as NumPy, checked to keep the shape and dtype."""
    y = augmenter(x, training=True)
    assert tuple(y.shape) == x.shape
    assert keras.backend.standardize_dtype(y.dtype) == str(x.dtype)
    return numpy(y)


def shifted(image, dy, dx):
    """`image` moved down `dy` and right `dx` pixels, the uncovered border 0 (NumPy)."""
    height, width = image.shape[:2]
    out = np.zeros_like(image)
    rows, cols = slice(max(dy, 0), height + min(dy, 0)), slice(max(dx, 0), width + min(dx, 0))
    src_rows = slice(max(-dy, 0), height + min(-dy, 0))
    src_cols = slice(max(-dx, 0), width + min(-dx, 0))
    out[rows, cols] = image[src_rows, src_cols]
    return out


def test_translation_moves_content_by_whole_pixels_within_the_ratio():
    # 8 x 12 with ratio 0.25: shifts up to 2 rows and 3 columns each way. A marked
    # pixel (5.0, on a background in [0.5, 1]) shows where each image went.
    n = 64
    x = np.repeat(np.abs(images(1, (8, 12, 2))) * 0.5 + 0.5, n, axis=0)
    x[:, 4, 6, :] = 5.0
    y = augmented(DiffAugment("translation", translation_ratio=0.25, seed=0), x)
    shifts = []
    for image, out in zip(x, y):
        (row,), (col,) = np.nonzero(out[..., 0] == 5.0)
        dy, dx = int(row) - 4, int(col) - 6
        np.testing.assert_array_equal(out, shifted(image, dy, dx))
        shifts.append((dy, dx))
    dy, dx = np.array(shifts).T
    assert set(dy) == set(range(-2, 3)) and set(dx) == set(range(-3, 4))


@pytest.mark.parametrize("ratio, side", [(0.5, (4, 6)), (0.25, (2, 3))])
def test_cutout_zeroes_one_rectangle_of_the_ratio_and_nothing_else(ratio, side):
    # The rectangle's centre is any pixel, so it is clipped at the border: each side is
    # the full size where it fits, at least half of it otherwise.
    n = 64
    x = np.abs(images(n, (8, 12, 3))) + 0.1  # no zero of its own
    y = augmented(DiffAugment("cutout", cutout_ratio=ratio, seed=0), x)
    full = 0
    for image, out in zip(x, y):
        cut = out == 0.0
        assert (cut == cut[..., :1]).all()  # all channels of a pixel
        cut = cut[..., 0]
        rows, cols = np.nonzero(cut.any(1))[0], np.nonzero(cut.any(0))[0]
        assert np.array_equal(cut, np.outer(cut.any(1), cut.any(0)))  # one rectangle
        for found, size, limit in ((rows, side[0], 8), (cols, side[1], 12)):
            inside = 0 < found[0] and found[-1] < limit - 1
            assert len(found) == size if inside else size - size // 2 <= len(found) <= size
        full += len(rows) * len(cols) == side[0] * side[1]
        np.testing.assert_array_equal(out[~cut], image[~cut])
    assert full > n // 4


def colour_parameters(x, y):
    """Brightness `b`, contrast `c` and saturation `s` with which
    `y = mean(x) + b + c (g(x) - mean(x)) + c s (x - g(x))`, `g` each pixel's mean over
    the channels, fitted by least squares per image, and that fit (NumPy)."""
    per_image = (1, 2, 3)
    grey_x, grey_y = x.mean(-1, keepdims=True), y.mean(-1, keepdims=True)
    mean_x = x.mean(axis=per_image, keepdims=True)
    b = y.mean(axis=per_image, keepdims=True) - mean_x
    dev_grey, dev = grey_x - mean_x, x - grey_x
    c = np.sum((grey_y - mean_x - b) * dev_grey, per_image, keepdims=True)
    c = c / np.sum(dev_grey**2, per_image, keepdims=True)
    cs = np.sum((y - grey_y) * dev, per_image, keepdims=True)
    cs = cs / np.sum(dev**2, per_image, keepdims=True)
    fit = mean_x + b + c * dev_grey + cs * dev
    return b.ravel(), c.ravel(), (cs / c).ravel(), fit


def test_diffaugment_colour_shifts_brightness_scales_contrast_and_saturation():
    # Brightness adds U(-0.5, 0.5) to the mean; contrast scales the grey image's
    # deviation from the mean by U(0.5, 1.5); saturation scales each pixel's channel
    # spread by U(0, 2) and leaves the grey image alone.
    x = images(64, (6, 5, 3))
    y = augmented(DiffAugment("color", seed=0), x)
    b, c, s, fit = colour_parameters(x.astype("float64"), y.astype("float64"))
    np.testing.assert_allclose(y, fit, atol=1e-5)  # exactly these three effects
    for values, low, high in ((b, -0.5, 0.5), (c, 0.5, 1.5), (s, 0.0, 2.0)):
        assert low <= values.min() and values.max() <= high
        assert np.ptp(values) > 0.7 * (high - low)  # drawn across the range
    assert abs(np.corrcoef(b, c)[0, 1]) < 0.4 and abs(np.corrcoef(c, s)[0, 1]) < 0.4


def test_ada_with_p_zero_is_the_identity_and_with_p_one_changes_every_image():
    x = images(16, (7, 5, 3))
    # The identity map and the unit colour factors still round: to within a few ulps.
    identity = augmented(ADA(p=0.0, adaptive=False, seed=0), x)
    np.testing.assert_allclose(identity, x, rtol=0, atol=4 * np.finfo("float32").eps)
    y = augmented(ADA(p=1.0, adaptive=False, seed=0), x)
    assert all(np.abs(a - b).max() > 0.1 for a, b in zip(x, y))
    for augmenter in augmenters():
        np.testing.assert_array_equal(numpy(augmenter(x, training=False)), x)


def test_ada_colour_and_cutout_on_flat_colour_images():
    # An image of one colour stays one colour under every geometric transform (its
    # borders are reflected), so with p = 1 only the colour transforms and the cutout
    # show: `mean + b + 2^(N(0, 0.5) + N(0, 1)) (colour - mean)` outside a rectangle of
    # half the size set to 0, with b ~ N(0, 0.2).
    colour = np.array([0.6, -0.2, 0.1], "float32")
    x = np.broadcast_to(colour, (256, 8, 8, 3)).copy()
    y = augmented(ADA(p=1.0, adaptive=False, seed=0), x)
    b, log_factor = [], []
    for out in y:
        cut = np.all(out == 0.0, axis=-1)
        rows, cols = np.nonzero(cut.any(1))[0], np.nonzero(cut.any(0))[0]
        assert np.array_equal(cut, np.outer(cut.any(1), cut.any(0)))  # one rectangle
        assert 2 <= len(rows) <= 4 and 2 <= len(cols) <= 4
        pixels = out[~cut]
        np.testing.assert_allclose(pixels, np.broadcast_to(pixels[0], pixels.shape), atol=1e-4)
        factor = (pixels[0] - pixels[0].mean()) / (colour - colour.mean())
        np.testing.assert_allclose(factor, factor[0], rtol=1e-3)  # the hue is kept
        b.append(pixels[0].mean() - colour.mean())
        log_factor.append(np.log2(factor[0]))
    b, log_factor = np.array(b), np.array(log_factor)
    assert abs(b.mean()) < 0.05 and 0.16 < b.std() < 0.24
    assert abs(log_factor.mean()) < 0.25
    assert 0.85 < log_factor.std() / np.sqrt(0.5**2 + 1.0**2) < 1.15


@pytest.mark.parametrize("augmenter", ["diffaugment", "ada"])
def test_colour_on_one_channel_is_the_grey_colour_image(augmenter):
    # Saturation leaves grey alone: one channel is augmented as a grey RGB image is.
    make = {
        "diffaugment": lambda: DiffAugment("color", seed=3),
        "ada": lambda: ADA(p=1.0, adaptive=False, seed=3),
    }[augmenter]
    grey = images(4, (6, 6, 1))
    one = numpy(make()(grey, training=True))
    rgb = numpy(make()(np.repeat(grey, 3, axis=-1), training=True))
    for c in range(3):
        np.testing.assert_allclose(rgb[..., c : c + 1], one, atol=1e-5)


def test_draws_are_per_sample_and_fresh_each_call():
    x = np.repeat(images(1, (8, 8, 3)), 6, axis=0)
    for augmenter in augmenters():
        y = numpy(augmenter(x, training=True))
        assert len({y[i].tobytes() for i in range(6)}) == 6
        assert not np.array_equal(y, numpy(augmenter(x, training=True)))


@pytest.mark.parametrize("augment", ["diffaugment", ADA(p=1.0, adaptive=False)])
def test_gradients_reach_the_generator_through_the_augmentation(augment):
    x = keras.ops.convert_to_tensor(images(4, (8, 8, 1)))
    augmenter = keras_gan.augmentation.get(augment, seed=0)
    weights = keras.ops.convert_to_tensor(images(1, (8, 8, 1))[0])
    grads = numpy(
        keras_gan.backend.input_gradients(
            lambda t: keras.ops.sum(augmenter(t, training=True) * weights, axis=(1, 2, 3)), x
        )
    )
    assert np.abs(grads).sum() > 0
    # End to end: a generator update moves the generator only if its gradient is non-zero
    # (Adam's step is 0 for a zero gradient).
    gan = compiled(gan_for(seed=0), augment=augment)
    before = snapshot(gan.generator.trainable_variables)
    gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=1, verbose=0)
    assert len(changed(before, snapshot(gan.generator.trainable_variables))) == len(before)


@pytest.mark.parametrize(
    "options, calls",
    [
        ({}, 3),  # real and generated in the D update, generated in the G update
        ({"gradient_penalty": 1.0, "loss": "wasserstein"}, 4),
        ({"r1_penalty": 1.0, "r2_penalty": 1.0}, 5),
        ({"d_steps": 2}, 5),
    ],
)
def test_every_discriminator_batch_is_augmented(options, calls):
    seen = []

    def augment(images, training):
        seen.append(tuple(images.shape[1:]))
        return images * 0.5

    gan = compiled(gan_for(), augment=augment, run_eagerly=True, **options)
    gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=1, verbose=0)
    assert seen == [(8, 8, 1)] * calls


def test_conditional_gan_augments_the_samples_only():
    seen = []

    def augment(images, training):
        seen.append(tuple(images.shape[1:]))
        return images

    g, d = conditional_pair(sample_shape=(4, 4, 1))
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    compiled(cgan, augment=augment, r1_penalty=0.1, run_eagerly=True)
    cgan.fit(images(8), np.arange(8) % 3, batch_size=8, epochs=1, verbose=0)
    assert seen == [(4, 4, 1)] * 4


def test_ada_update_rule_by_hand():
    ada = ADA(p=0.25, target=0.4, interval=2, speed_images=80)
    scores = np.array([1.0, 2.0, -1.0, 3.0], "float32")  # signs sum to 2
    ada.update(scores)
    assert float(numpy(ada.p)) == pytest.approx(0.25)  # not yet: interval 2
    ada.update(scores)  # r_t = 4 / 8 = 0.5 > 0.4: p += 8 / 80
    assert float(numpy(ada.p)) == pytest.approx(0.35)
    ada.update(-scores)
    ada.update(-scores)  # r_t = -0.5 < 0.4: p -= 0.1
    assert float(numpy(ada.p)) == pytest.approx(0.25)
    fixed = ADA(p=0.25, adaptive=False)
    fixed.update(scores)
    assert float(numpy(fixed.p)) == 0.25


@pytest.mark.parametrize("target, rises", [(-0.9, True), (0.99, False)])
def test_p_rises_when_the_discriminator_beats_the_target_and_stays_at_zero_otherwise(target, rises):
    # A strong discriminator on a tiny set scores reals above -0.9 on average (p rises);
    # a target of 0.99 is never reached in a few steps (p stays 0).
    gan = compiled(gan_for(seed=0), augment=ADA(target=target, interval=1, speed_images=64))
    history = gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=4, verbose=0)
    p = history.history["augment_p"]
    assert len(p) == 4
    if rises:
        assert p[-1] > 0.3 and p == sorted(p)
    else:
        assert p == [0.0] * 4


@pytest.mark.parametrize("kind", ["ada", "diffaugment+r1"])
def test_p_and_augmentation_seeds_survive_save_load_and_resume_exactly(kind, tmp_path):
    if kind == "ada":
        options = {"augment": ADA(target=-0.9, interval=1, speed_images=256, seed=4)}
    else:
        options = {"augment": "diffaugment", "r1_penalty": 1.0, "penalty_every": 2}
    gan = compiled(gan_for(seed=2), **options)
    x = images(16, (8, 8, 1))
    gan.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert changed(training_state(gan), training_state(restored)) == []
    assert np.array_equal(
        numpy(gan.augmenter.seed_generator.state), numpy(restored.augmenter.seed_generator.state)
    )
    if kind == "ada":
        assert 0.0 < float(numpy(restored.augmenter.p)) < 1.0
    else:
        assert restored.penalty_every == 2 and restored.r1_weight == 1.0
    for model in (gan, restored):
        model.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert changed(training_state(gan), training_state(restored)) == []


def test_bad_values_are_reported():
    gan = gan_for()
    adam = keras.optimizers.Adam
    with pytest.raises(ValueError, match="Expected `augment` to be None, one of"):
        gan.compile(adam(), adam(), augment="zoom")
    with pytest.raises(ValueError, match="Received: augment=3"):
        gan.compile(adam(), adam(), augment=3)
    flat = keras_gan.GAN(dense_generator(sample_shape=(6,)), dense_discriminator(sample_shape=(6,)))
    with pytest.raises(
        ValueError, match=r"Expected image samples .* Received: samples of shape \(6,\)"
    ):
        flat.compile(adam(), adam(), augment="diffaugment")
    with pytest.raises(ValueError, match="Expected `p` to be a float in"):
        ADA(p=1.5)
    with pytest.raises(ValueError, match="Expected `target` to be a float in"):
        ADA(target=1.0)
    with pytest.raises(ValueError, match="Expected `interval` to be an integer >= 1"):
        ADA(interval=0)
    with pytest.raises(ValueError, match="Expected `speed_images` to be an integer >= 1"):
        ADA(speed_images=2.5)
    with pytest.raises(ValueError, match="Expected a policy among"):
        DiffAugment("zoom")
    with pytest.raises(ValueError, match="Expected `cutout_ratio` in"):
        DiffAugment(cutout_ratio=2.0)


def constant_discriminator(score, shape=(8, 8, 1)):
    """Scores every sample `score` (zero kernel; trained with a zero learning rate)."""
    inputs = keras.Input(shape)
    dense = keras.layers.Dense(
        1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(score)
    )
    return keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))


@pytest.mark.parametrize(
    "loss, from_logits, expected",
    [
        ("non_saturating", True, 0.0),  # sigmoid(0) = 1/2
        ("minimax", False, 0.5),  # probability 1/2
        ("hinge", True, 0.0),  # margins -1 and +1
        ("least_squares", True, 0.5),  # targets 0 and 1
        ("wasserstein", True, None),  # scores defined up to a constant
    ],
)
def test_each_loss_names_its_real_fake_boundary(loss, from_logits, expected):
    assert keras_gan.losses.get(loss, from_logits=from_logits).decision_boundary == expected


@pytest.mark.parametrize(
    "loss, score, rises",
    [
        ("least_squares", 0.3, False),  # below the 0.5 boundary: real scored fake-ish
        ("least_squares", 0.7, True),
        ("non_saturating", 0.3, True),
        ("hinge", -0.3, False),
        ("hinge", 0.3, True),
    ],
)
def test_ada_reads_real_scores_against_the_losss_boundary(loss, score, rises):
    gan = keras_gan.GAN(
        dense_generator(latent_dim=4, sample_shape=(8, 8, 1)), constant_discriminator(score)
    )
    gan.compile(
        keras.optimizers.SGD(0.0),
        keras.optimizers.SGD(0.0),
        loss=loss,
        augment=ADA(interval=1, speed_images=8),
    )
    p = gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=2, verbose=0).history["augment_p"]
    assert p == ([1.0, 1.0] if rises else [0.0, 0.0])


def test_adaptive_ada_is_refused_for_a_loss_without_a_boundary():
    class Critic(keras_gan.losses.GANLoss):
        def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
            return keras.ops.mean(fake_logits) - keras.ops.mean(real_logits)

        def generator_loss(self, fake_logits):
            return -keras.ops.mean(fake_logits)

    adam = keras.optimizers.Adam
    for loss in ("wasserstein", Critic()):
        with pytest.raises(ValueError, match=r"real/fake decision boundary .* Received: loss="):
            gan_for().compile(adam(), adam(), loss=loss, augment="ada")
    # A fixed probability needs no boundary; a custom loss can name its own.
    gan_for().compile(adam(), adam(), loss="wasserstein", augment=ADA(p=0.2, adaptive=False))
    Critic.decision_boundary = 0.0
    gan_for().compile(adam(), adam(), loss=Critic(), augment="ada")


class NoiseAugment:
    """A callable object drawing from its own SeedGenerator."""

    def __init__(self):
        self.seed_generator = keras.random.SeedGenerator(5)

    def __call__(self, images, training):
        noise = keras.random.normal(keras.ops.shape(images), seed=self.seed_generator)
        return images + 0.1 * noise


@pytest.mark.parametrize("kind", ["closure", "object", "layer_in_closure"])
def test_a_callables_own_seed_advances_each_call_in_the_jitted_step(kind):
    seed = keras.random.SeedGenerator(3)
    flip = keras.layers.RandomFlip(seed=3)

    def closure(images, training):
        return images + 0.1 * keras.random.normal(keras.ops.shape(images), seed=seed)

    def layer_in_closure(images, training):
        return flip(images, training=training)

    augment = {"closure": closure, "object": NoiseAugment(), "layer_in_closure": layer_in_closure}
    augment = augment[kind]
    drawn = {"closure": seed, "object": getattr(augment, "seed_generator", None)}
    drawn = drawn.get(kind, flip.generator)
    gan = compiled(gan_for(seed=0), augment=augment)
    counter = lambda: int(numpy(drawn.state)[1])  # noqa: E731
    before = counter()
    gan.fit(images(16, (8, 8, 1)), batch_size=8, epochs=1, verbose=0)
    # Two steps of three augmented batches each (real and fake for D, fake for G).
    assert counter() - before == 6


@pytest.mark.parametrize("kind", ["layer", "sequential"])
def test_an_unbuilt_keras_augmentation_layer_trains(kind):
    flip = keras.layers.RandomFlip(seed=1)
    augment = {
        "layer": flip,
        "sequential": keras.Sequential([flip, keras.layers.RandomContrast(0.2, seed=2)]),
    }[kind]
    assert not augment.built
    gan = compiled(gan_for(seed=0), augment=augment)
    before = int(numpy(flip.generator.state)[1])
    history = gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0])
    assert int(numpy(flip.generator.state)[1]) - before == 3  # three batches augmented


@pytest.mark.parametrize("augment", ["ada", "diffaugment"])
def test_xla_is_refused_or_works_with_the_image_transform(augment):
    if keras.config.backend() == "torch":
        pytest.skip("jit_compile means torch.compile on torch, not XLA")
    gan = gan_for(seed=0)
    if keras.config.backend() == "tensorflow":
        # TensorFlow's XLA has no ImageProjectiveTransformV3 kernel: refused at compile ...
        with pytest.raises(ValueError, match=r"Expected `jit_compile=False` or `'auto'` .*"):
            compiled(gan, augment=augment, jit_compile=True)
        # ... and "auto" (XLA on a GPU) compiles the step without it.
        compiled(gan, augment=augment)
        with pytest.warns(UserWarning, match="doesn't support `jit_compile=True`"):
            gan.jit_compile = True
        assert gan.jit_compile is False
    else:
        compiled(gan, augment=augment, jit_compile=True)
    gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=1, verbose=0)
    # Colour and cutout alone compile with XLA everywhere.
    gan = compiled(gan_for(), augment=DiffAugment(("color", "cutout")), jit_compile=True)
    gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=1, verbose=0)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
@pytest.mark.parametrize("augment", ["ada", "diffaugment"])
def test_augmentation_trains_under_mixed_precision(policy, augment):
    keras.mixed_precision.set_global_policy(policy)
    try:
        # Steps of 8 / 80,000 = 1e-4, below bfloat16's resolution at 0.5 (2**-9).
        augmenter = ADA(p=0.5, interval=1, speed_images=80_000) if augment == "ada" else augment
        gan = compiled(gan_for(seed=0), augment=augmenter)
        history = gan.fit(images(8, (8, 8, 1)), batch_size=8, epochs=2, verbose=0).history
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(np.all(np.isfinite(v)) for v in history.values())
    if augment == "ada":  # each update moves p by 1e-4, up or down
        steps = np.diff([0.5, *history["augment_p"]])
        np.testing.assert_allclose(np.abs(steps), 1e-4, rtol=1e-2)


def halve(images, training):
    return images * 0.5


@keras.saving.register_keras_serializable(package="keras_gan_tests")
def registered_halve(images, training):
    return images * 0.5


@pytest.mark.parametrize("augment", [halve, lambda images, training: images, NoiseAugment()])
def test_an_unsaved_augment_warns_at_save_and_the_reloaded_gan_refuses_to_train(augment, tmp_path):
    gan = compiled(gan_for(seed=0), augment=augment)
    x = images(8, (8, 8, 1))
    with pytest.warns(UserWarning, match=r"The augmentation `.*` is not saved with the GAN"):
        gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert restored.augmenter is None
    for train in (
        lambda: restored.fit(x, batch_size=8, epochs=1, verbose=0),
        lambda: restored.train_on_batch(x),
    ):
        with pytest.raises(ValueError, match=r"Expected the augmentation .* Received: a GAN relo"):
            train()
    restored.evaluate(x, batch_size=8, verbose=0)  # no augmentation there
    compiled(restored, augment=augment).fit(x, batch_size=8, epochs=1, verbose=0)


def test_a_registered_function_is_saved_and_reloaded(tmp_path):
    gan = compiled(gan_for(seed=0), augment=registered_halve)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="The augmentation")
        gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert restored.augmenter is registered_halve
    restored.fit(images(8, (8, 8, 1)), batch_size=8, epochs=1, verbose=0)
