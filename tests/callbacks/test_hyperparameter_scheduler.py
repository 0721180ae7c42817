import math

import keras
import model_zoo
import numpy as np
import pytest

import keras_gan
from keras_gan.augmentation import ADA
from keras_gan.callbacks import GANCheckpoint
from keras_gan.callbacks import HyperparameterScheduler
from keras_gan.callbacks import cosine_ramp


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


class Record(keras.callbacks.Callback):
    """Reads some GAN variables before every training batch (after the scheduler)."""

    def __init__(self, names):
        super().__init__()
        self.names, self.rows = names, []

    def on_train_batch_begin(self, batch, logs=None):
        gan = self.model
        row = [int(numpy(gan.images_seen))]
        self.rows.append(row + [float(numpy(getattr(gan, name))) for name in self.names])


def test_epoch_schedules_set_each_epoch_and_are_logged(tmp_path, make_gan, images):
    gan = make_gan()
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), r1_penalty=1.0)
    schedules = {"r1_penalty": lambda e: [1.0, 0.5, 0.0][e], "label_smoothing": lambda e: e / 10}
    record = Record(["r1_penalty", "label_smoothing"])
    csv_path = tmp_path / "log.csv"
    history = gan.fit(
        images,
        batch_size=8,
        epochs=3,
        verbose=0,
        callbacks=[
            HyperparameterScheduler(schedules),
            record,
            keras.callbacks.CSVLogger(csv_path),
        ],
    )
    expected = [[1.0, 0.0], [0.5, 0.1], [0.0, 0.2]]
    np.testing.assert_allclose([r[1:] for r in record.rows], np.repeat(expected, 2, axis=0))
    np.testing.assert_allclose(history.history["r1_penalty_weight"], [1.0, 0.5, 0.0], atol=1e-7)
    # The metric of the same name stays the penalty's value (a squared gradient norm).
    assert len(history.history["r1_penalty"]) == 3
    assert all(value > 0 for value in history.history["r1_penalty"])
    np.testing.assert_allclose(history.history["label_smoothing"], [0.0, 0.1, 0.2], atol=1e-7)
    header, *rows = csv_path.read_text().splitlines()
    column = header.split(",").index("label_smoothing")
    np.testing.assert_allclose([float(r.split(",")[column]) for r in rows], [0, 0.1, 0.2])


@pytest.mark.parametrize("update_every", [None, 12])
def test_image_schedules_follow_images_seen(make_gan, images, update_every, capsys):
    gan = make_gan()
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), adam_beta_2=0.99)

    def schedule(n):
        return 0.9 + n / 1000

    record = Record(["adam_beta_2"])
    scheduler = HyperparameterScheduler(
        {"adam_beta_2": schedule}, unit="images", update_every=update_every, verbose=1
    )
    history = gan.fit(images, batch_size=4, epochs=2, verbose=0, callbacks=[scheduler, record])
    every = update_every or 1
    seen = [row[0] for row in record.rows]
    assert seen == list(range(0, 32, 4))
    expected = [np.float32(schedule(n - n % every)) for n in seen]
    np.testing.assert_array_equal([np.float32(row[1]) for row in record.rows], expected)
    assert history.history["adam_beta_2"][-1] == pytest.approx(expected[-1])
    out = capsys.readouterr().out
    assert "Images 0: HyperparameterScheduler setting adam_beta_2 to 0.9." in out
    if update_every:  # set at the start, and as 12 and 24 images are passed
        assert out.count("HyperparameterScheduler setting") == 3


def test_image_schedules_update_between_batches_of_an_epoch(make_gan, images, capsys):
    gan = make_gan()
    gan.compile("adam", "adam", r1_penalty=1.0)
    scheduler = HyperparameterScheduler(
        {"r1_penalty": lambda n: n / 100}, unit="images", update_every=12, verbose=1
    )
    history = gan.fit(images, batch_size=4, epochs=2, verbose=0, callbacks=[scheduler])
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert lines == [
        f"Images {n}: HyperparameterScheduler setting r1_penalty to {n / 100}." for n in (0, 12, 24)
    ]
    assert history.history["r1_penalty_weight"] == pytest.approx([0.12, 0.24])


def test_ema_half_life_and_augment_p_schedules(make_gan, images):
    gan = make_gan()
    gan = type(gan)(gan.generator, gan.discriminator, seed=1, ema_half_life=100)
    gan.compile("adam", "adam", augment=ADA(0.0, adaptive=False))
    scheduler = HyperparameterScheduler(
        {"ema_half_life": lambda e: 10.0 * (e + 1), "augment_p": lambda e: 0.25 * e}
    )
    history = gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[scheduler])
    assert history.history["ema_half_life"] == [10.0, 20.0]
    assert history.history["augment_p"] == [0.0, 0.25]
    assert float(numpy(gan.ema_decay)) == pytest.approx(0.5 ** (8 / 20))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(schedules=[]), r"`schedules` to be a non-empty dict"),
        (
            dict(schedules={"learning_rate": abs}),
            r"hyperparameters among \['label_smoothing'.*LearningRateSchedule.*'learning_rate'",
        ),
        (dict(schedules={"r1_penalty": 0.5}), r"`schedules\['r1_penalty'\]` to be a function"),
        (dict(schedules={"r1_penalty": abs}, unit="steps"), r"`unit` to be one of"),
        (
            dict(schedules={"r1_penalty": abs}, update_every=5),
            r"`update_every=None` with `unit='epoch'`",
        ),
        (
            dict(schedules={"r1_penalty": abs}, unit="images", update_every=0),
            r"`update_every` to be None or a positive integer. Received: update_every=0",
        ),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HyperparameterScheduler(**kwargs)


@pytest.mark.parametrize(
    "name, compile_kwargs, match",
    [
        ("r2_penalty", {}, r"compiled with `r2_penalty > 0`"),
        ("ema_decay", {}, r"`GAN\(\.\.\., ema_decay=\.\.\.\)` to set `ema_decay`"),
        ("augment_p", {"augment": "ada"}, r"`ADA\(p, adaptive=False\)`"),
        ("adam_beta_2", {}, r"compiled with `adam_beta_2=\.\.\.`"),
    ],
)
def test_a_name_the_gan_cannot_change_fails_when_training_starts(
    make_gan, images, name, compile_kwargs, match
):
    gan = make_gan()
    gan.compile("adam", "adam", **compile_kwargs)
    scheduler = HyperparameterScheduler({name: lambda t: 0.5})
    with pytest.raises(ValueError, match=match):
        gan.fit(images, epochs=1, verbose=0, callbacks=[scheduler])
    assert int(numpy(gan.images_seen)) == 0


def test_a_name_whose_value_is_no_variable_fails_when_training_starts(make_gan, images):
    gan = make_gan()
    gan.compile("adam", "adam", adam_beta_2=0.9)
    gan.g_optimizer.beta_2 = 0.99  # a plain number again: nothing to assign
    scheduler = HyperparameterScheduler({"adam_beta_2": lambda t: 0.95})
    match = (
        r"Expected `gan\.g_optimizer\.beta_2` to be a variable \(with `\.assign\(\)`\) for "
        r"HyperparameterScheduler to set `adam_beta_2` during training\. "
        r"Received: g_optimizer\.beta_2=0\.99 of type float"
    )
    with pytest.raises(ValueError, match=match):
        gan.fit(images, epochs=1, verbose=0, callbacks=[scheduler])
    assert int(numpy(gan.images_seen)) == 0


def test_a_bad_value_names_the_schedule(make_gan, images):
    gan = make_gan()
    gan.compile("adam", "adam", r1_penalty=1.0)
    scheduler = HyperparameterScheduler({"r1_penalty": lambda n: 1.0 - n / 8}, unit="images")
    with pytest.raises(
        ValueError,
        match=r"`schedules\['r1_penalty'\]\(12\)` to return a valid r1 penalty.*=-0.5",
    ):
        gan.fit(images, batch_size=4, epochs=1, verbose=0, callbacks=[scheduler])


def test_cosine_ramp_against_the_formula():
    ramp = cosine_ramp(1.0, 0.1, 400)
    t = np.array([0, 1, 100, 200, 399, 400, 401, 10_000])
    expected = 0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * np.minimum(t, 400) / 400))
    np.testing.assert_allclose([ramp(v) for v in t], expected, rtol=1e-12)
    assert ramp(0) == 1.0 and ramp(-5) == 1.0 and ramp(400) == 0.1 and ramp(1e9) == 0.1
    assert ramp(200) == pytest.approx(0.55)
    rising = cosine_ramp(0, 10_000, 3)
    assert [rising(e) for e in range(4)] == pytest.approx(
        [0, 2500, 7500, 10_000], rel=1e-12, abs=1e-9
    )
    with pytest.raises(
        ValueError, match=r"`length` to be a float in \(0, inf\). Received: length=0"
    ):
        cosine_ramp(0, 1, 0)
    with pytest.raises(ValueError, match=r"`start` to be a float in \(-inf, inf\).*=nan"):
        cosine_ramp(math.nan, 1, 10)


class _InterruptAt(keras.callbacks.Callback):
    """Stops a run mid-epoch by raising, as a killed process would stop."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("interrupted")


def _scheduled_gan():
    keras.utils.set_random_seed(7)
    generator = model_zoo.dense_generator(batch_norm=False)
    discriminator = model_zoo.dense_discriminator(batch_norm=False, dropout=0)
    gan = keras_gan.GAN(generator, discriminator, seed=1, ema_half_life=40, ema_rampup=0.5)
    gan.compile(
        keras.optimizers.Adam(1e-2),
        keras.optimizers.Adam(1e-2),
        label_smoothing=0.1,
        r1_penalty=1.0,
        adam_beta_2=0.99,
        augment=ADA(0.1, adaptive=False, seed=3),
    )
    return gan


def _scheduler():
    # Updates every 6 images, batches of 4, epochs of 16: updates fall inside epochs.
    return HyperparameterScheduler(
        {
            "label_smoothing": lambda n: 0.1 if n < 20 else 0.0,
            "r1_penalty": cosine_ramp(1.0, 0.2, 40),
            "ema_half_life": cosine_ramp(10, 60, 48),
            "augment_p": cosine_ramp(0.1, 0.5, 48),
            "adam_beta_2": cosine_ramp(0.99, 0.9, 48),
        },
        unit="images",
        update_every=6,
    )


def _state(gan):
    variables = [*gan.weights, *gan.d_optimizer.variables, *gan.g_optimizer.variables]
    return [numpy(v) for v in variables] + [numpy(s) for s in gan._seed_states().values()]


def test_a_run_resumed_from_a_checkpoint_ends_bit_identical(tmp_path, images):
    fit_kwargs = dict(batch_size=4, shuffle=False, verbose=0)
    with pytest.raises(RuntimeError, match="interrupted"):
        _scheduled_gan().fit(
            images,
            epochs=3,
            callbacks=[_scheduler(), GANCheckpoint(tmp_path), _InterruptAt(2, 1)],
            **fit_kwargs,
        )
    keras.backend.clear_session()  # as in a new process
    gan = keras.models.load_model(GANCheckpoint.latest(tmp_path))
    assert GANCheckpoint.latest_epoch(tmp_path) == 2 and int(numpy(gan.images_seen)) == 32
    gan.fit(
        images,
        epochs=3,
        initial_epoch=2,
        callbacks=[_scheduler(), GANCheckpoint(tmp_path)],
        **fit_kwargs,
    )

    straight = _scheduled_gan()
    straight.fit(images, epochs=3, callbacks=[_scheduler()], **fit_kwargs)
    assert int(numpy(straight.images_seen)) == 48
    assert float(numpy(straight.r1_penalty)) == pytest.approx(0.2)
    resumed, expected = _state(gan), _state(straight)
    assert len(resumed) == len(expected)
    for a, b in zip(resumed, expected):
        np.testing.assert_array_equal(a, b)
