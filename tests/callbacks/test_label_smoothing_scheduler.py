import keras
import numpy as np
import pytest

from keras_gan.callbacks import LabelSmoothingScheduler


class RecordSmoothing(keras.callbacks.Callback):
    """Reads `gan.label_smoothing` before every training batch."""

    def __init__(self):
        super().__init__()
        self.per_epoch = {}

    def on_train_batch_begin(self, batch, logs=None):
        value = float(keras.ops.convert_to_numpy(self.model.label_smoothing))
        self.per_epoch.setdefault(self._epoch, set()).add(value)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch


def test_variable_follows_the_schedule_and_is_logged(tmp_path, make_gan, images):
    values = [0.0, 0.2, 0.1]
    gan = make_gan()
    record = RecordSmoothing()
    csv_path = tmp_path / "log.csv"
    history = gan.fit(
        images,
        batch_size=8,
        epochs=3,
        verbose=0,
        callbacks=[
            LabelSmoothingScheduler(lambda epoch: values[epoch]),
            record,
            keras.callbacks.CSVLogger(csv_path),
        ],
    )
    assert record.per_epoch == {e: {float(np.float32(v))} for e, v in enumerate(values)}
    np.testing.assert_allclose(history.history["label_smoothing"], values, atol=1e-7)
    header, *rows = csv_path.read_text().splitlines()
    column = header.split(",").index("label_smoothing")
    np.testing.assert_allclose([float(r.split(",")[column]) for r in rows], values, atol=1e-7)


def test_smoothing_changes_the_discriminator_loss(make_gan, images):
    def train(callbacks):
        keras.utils.set_random_seed(3)
        gan = make_gan()
        return gan.fit(
            images, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=callbacks
        )

    plain = train([]).history
    smoothed = train([LabelSmoothingScheduler(lambda epoch: 0.0 if epoch == 0 else 0.3)]).history
    # Smoothing 0 is no smoothing: the first epochs are identical.
    assert smoothed["d_loss"][0] == plain["d_loss"][0]
    assert smoothed["g_loss"][0] == plain["g_loss"][0]
    # Real targets of 0.7 cannot be fitted exactly: the discriminator loss differs.
    assert abs(smoothed["d_loss"][1] - plain["d_loss"][1]) > 1e-3


def test_invalid_schedule_value_fails_with_the_epoch(make_gan, images):
    gan = make_gan()
    scheduler = LabelSmoothingScheduler(lambda epoch: [0.1, 1.5][epoch])
    with pytest.raises(
        ValueError,
        match=r"schedule\(1\)` to return a valid label smoothing.*Received: label_smoothing=1.5",
    ):
        gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[scheduler])


def test_loss_without_label_smoothing_is_refused(make_gan, images):
    gan = make_gan(loss="wasserstein")
    with pytest.raises(ValueError, match=r"Expected `label_smoothing=0` with this loss"):
        gan.fit(images, epochs=1, verbose=0, callbacks=[LabelSmoothingScheduler(lambda e: 0.1)])


def test_verbose_prints_the_value(make_gan, images, capsys):
    gan = make_gan()
    gan.fit(images, epochs=1, verbose=0, callbacks=[LabelSmoothingScheduler(lambda e: 0.25, 1)])
    assert (
        "Epoch 1: LabelSmoothingScheduler setting label_smoothing to 0.25."
        in capsys.readouterr().out
    )


def test_schedule_must_be_callable():
    with pytest.raises(ValueError, match=r"Expected `schedule` to be a function .*schedule=0.1"):
        LabelSmoothingScheduler(0.1)
