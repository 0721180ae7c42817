import itertools
import os

import keras
import numpy as np
import pytest
from callback_testing import RecordWeights

from keras_gan.callbacks import GANCheckpoint
from keras_gan.callbacks import TerminateOnNaN


def batches_with_nan_at(images, nan_step, batch_size=8):
    """Yields batches of `images` forever; the `nan_step`-th (0-based) holds a NaN."""
    per_epoch = len(images) // batch_size
    for step in itertools.count():
        start = (step % per_epoch) * batch_size
        batch = images[start : start + batch_size].copy()
        if step == nan_step:
            batch[0, 0, 0, 0] = np.nan
        yield (batch,)


def test_stops_at_the_first_nan_and_keeps_the_last_good_checkpoint(
    tmp_path, make_gan, images, capsys
):
    gan = make_gan()
    guard = TerminateOnNaN()
    record = RecordWeights()
    with pytest.warns(UserWarning, match=r"not saving epoch 2, its losses are not finite"):
        history = gan.fit(
            batches_with_nan_at(images, nan_step=3),  # epoch 2 (0-based 1), batch 1
            steps_per_epoch=2,
            epochs=5,
            shuffle=False,
            verbose=0,
            callbacks=[guard, GANCheckpoint(tmp_path), record],
        )

    assert len(history.history["d_loss"]) == 2  # Keras ends the epoch, then stops
    assert np.isnan(history.history["d_loss"][1])
    assert (guard.stopped_epoch, guard.stopped_step) == (1, 1)
    assert guard.message.startswith("Epoch 2, batch 1: non-finite d_loss")
    assert "d_loss=nan" in guard.message
    assert guard.message in capsys.readouterr().out

    assert sorted(os.listdir(tmp_path)) == ["gan_epoch_0001.keras", "generator_epoch_0001.keras"]
    restored = keras.models.load_model(GANCheckpoint.latest(tmp_path))
    for saved, expected in zip(restored.get_weights(), record.after_epoch[0]):
        np.testing.assert_array_equal(saved, expected)
        assert np.isfinite(saved).all()


def test_raise_error(make_gan, images):
    gan = make_gan()
    with pytest.raises(RuntimeError, match=r"Epoch 1, batch 1: non-finite d_loss"):
        gan.fit(
            batches_with_nan_at(images, nan_step=1),
            steps_per_epoch=2,
            epochs=2,
            shuffle=False,
            verbose=0,
            callbacks=[TerminateOnNaN(raise_error=True)],
        )


def test_finite_training_runs_to_the_end(make_gan, images):
    gan = make_gan()
    guard = TerminateOnNaN()
    history = gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[guard])
    assert len(history.history["g_loss"]) == 2
    assert guard.message is guard.stopped_epoch is guard.stopped_step is None


def test_checks_every_logged_value(make_gan):
    guard = TerminateOnNaN()
    guard.set_model(make_gan())
    guard.on_train_begin()
    guard.on_epoch_begin(4)
    guard.on_train_batch_end(6, {"d_loss": 0.5, "g_loss": 0.75})
    assert guard.message is None and not guard.model.stop_training
    guard.on_train_batch_end(7, {"d_loss": 0.5, "g_loss": 0.75, "gradient_penalty": np.inf})
    assert guard.model.stop_training
    assert guard.message.startswith("Epoch 5, batch 7: non-finite gradient_penalty")
    assert "d_loss=0.5, g_loss=0.75, gradient_penalty=inf" in guard.message


def test_raise_error_must_be_a_bool():
    with pytest.raises(ValueError, match=r"Expected `raise_error` to be True or False"):
        TerminateOnNaN(raise_error="yes")
