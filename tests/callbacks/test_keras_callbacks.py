"""Keras' own callbacks, through a real `fit` of a GAN."""

import csv
import os

import keras
import model_zoo as keras_gan_model_zoo
import numpy as np
import pytest
import tensorflow as tf
from callback_testing import RecordWeights
from callback_testing import assert_weights_equal
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import keras_gan


def test_model_checkpoint_best_g_loss(tmp_path, make_gan, images):
    gan = make_gan()
    record = RecordWeights()
    checkpoint = keras.callbacks.ModelCheckpoint(
        tmp_path / "best.keras", monitor="g_loss", mode="min", save_best_only=True
    )
    history = gan.fit(images, batch_size=8, epochs=3, verbose=0, callbacks=[checkpoint, record])

    best = int(np.argmin(history.history["g_loss"]))
    restored = keras.models.load_model(tmp_path / "best.keras")
    assert isinstance(restored, keras_gan.GAN) and restored.compiled
    assert_weights_equal(restored.get_weights(), record.after_epoch[best])
    assert int(restored.g_optimizer.iterations) == 2 * (best + 1)


def test_model_checkpoint_weights_only(tmp_path, make_gan, images):
    gan = make_gan()
    checkpoint = keras.callbacks.ModelCheckpoint(
        tmp_path / "gan_{epoch:02d}.weights.h5",
        monitor="g_loss",
        mode="min",
        save_weights_only=True,
    )
    gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["gan_01.weights.h5", "gan_02.weights.h5"]

    fresh = make_gan()
    fresh.load_weights(tmp_path / "gan_02.weights.h5")
    assert_weights_equal(fresh.get_weights(), gan.get_weights())
    assert int(fresh.d_optimizer.iterations) == int(gan.d_optimizer.iterations) == 4


class InterruptAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated interruption")


def test_backup_and_restore_resumes_where_it_stopped(tmp_path, make_gan, images):
    fit_kwargs = dict(batch_size=4, epochs=4, shuffle=False, verbose=0)
    backup_dir = tmp_path / "backup"

    keras.utils.set_random_seed(11)
    gan = make_gan()
    with pytest.raises(RuntimeError, match="simulated interruption"):
        gan.fit(
            images,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir), InterruptAtEpoch(2)],
            **fit_kwargs,
        )

    started = []
    resumed = make_gan()  # other initial weights: the backup must replace them
    resumed.fit(
        images,
        callbacks=[
            keras.callbacks.BackupAndRestore(backup_dir),
            keras.callbacks.LambdaCallback(
                on_epoch_begin=lambda epoch, logs: started.append(epoch)
            ),
        ],
        **fit_kwargs,
    )
    assert started == [2, 3]

    keras.utils.set_random_seed(11)
    straight = make_gan()
    straight.fit(images, **fit_kwargs)
    assert_weights_equal(resumed.get_weights(), straight.get_weights(), atol=1e-6)


def test_csv_logger(tmp_path, make_gan, images):
    gan = make_gan()
    path = tmp_path / "training.csv"
    history = gan.fit(
        images, batch_size=8, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(path)]
    )
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["epoch"] for row in rows] == ["0", "1"]
    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose([float(r[key]) for r in rows], history.history[key], rtol=1e-6)


def test_tensorboard_scalars(tmp_path, make_gan, images):
    gan = make_gan()
    history = gan.fit(
        images, batch_size=8, epochs=2, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)]
    )
    accumulator = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    accumulator.Reload()
    for key in ("d_loss", "g_loss"):
        events = accumulator.Tensors(f"epoch_{key}")
        assert [e.step for e in events] == [0, 1]
        values = [float(tf.make_ndarray(e.tensor_proto)) for e in events]
        np.testing.assert_allclose(values, history.history[key], rtol=1e-6)


def test_early_stopping_on_g_loss(make_gan, images):
    # A frozen generator (learning rate 0) against a learning discriminator: g_loss rises.
    gan = make_gan(lr=0.05, g_lr=0.0)
    stopper = keras.callbacks.EarlyStopping(monitor="g_loss", mode="min", patience=0)
    history = gan.fit(images, batch_size=8, epochs=10, verbose=0, callbacks=[stopper])
    g_loss = history.history["g_loss"]
    assert len(g_loss) < 10
    assert stopper.stopped_epoch == len(g_loss) - 1
    assert g_loss[-1] >= min(g_loss[:-1])


def test_tensorboard_logs_steps_per_second_and_both_learning_rates(tmp_path, images):
    gan = keras_gan.GAN(
        keras_gan_model_zoo.dense_generator(batch_norm=False),
        keras_gan_model_zoo.dense_discriminator(batch_norm=False, dropout=0),
    )
    gan.compile(
        keras.optimizers.Adam(3e-3, name="d_adam"), keras.optimizers.Adam(1e-4, name="g_adam")
    )
    callback = keras.callbacks.TensorBoard(tmp_path, write_steps_per_second=True)
    gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[callback])
    accumulator = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    accumulator.Reload()

    def values(tag):
        return [float(tf.make_ndarray(e.tensor_proto)) for e in accumulator.Tensors(tag)]

    np.testing.assert_allclose(values("epoch_learning_rate_d_adam"), [3e-3, 3e-3], rtol=1e-6)
    np.testing.assert_allclose(values("epoch_learning_rate_g_adam"), [1e-4, 1e-4], rtol=1e-6)
    assert "epoch_learning_rate" not in accumulator.Tags()["tensors"]
    steps_per_second = values("epoch_steps_per_second")
    assert len(steps_per_second) == 2 and all(v > 0 for v in steps_per_second)
    assert gan.optimizer.iterations is gan.g_optimizer.iterations
    assert list(gan.optimizer.optimizers) == [gan.d_optimizer, gan.g_optimizer]


def test_learning_rate_scheduler_sets_both_learning_rates(make_gan, images):
    gan = make_gan()
    seen = []

    def schedule(epoch, learning_rate):
        seen.append(learning_rate)
        return learning_rate * 0.5

    callback = keras.callbacks.LearningRateScheduler(schedule)
    before = [float(keras.ops.convert_to_numpy(o.learning_rate)) for o in gan.optimizer.optimizers]
    gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[callback])
    after = [float(keras.ops.convert_to_numpy(o.learning_rate)) for o in gan.optimizer.optimizers]
    np.testing.assert_allclose(after, [0.25 * lr for lr in before], rtol=1e-6)
    np.testing.assert_allclose(seen[:2], before, rtol=1e-6)  # each optimizer's own rate


def test_the_pairs_own_learning_rate_is_refused_naming_both_optimizers(make_gan):
    gan = make_gan()
    with pytest.raises(ValueError, match=r"gan\.d_optimizer\.learning_rate.*Received: a read"):
        gan.optimizer.learning_rate  # noqa: B018
    with pytest.raises(ValueError, match=r"gan\.g_optimizer\.learning_rate"):
        gan.optimizer.learning_rate = 1e-3


def test_reduce_lr_on_plateau_lowers_both_learning_rates(make_gan, images):
    gan = make_gan()
    before = [float(keras.ops.convert_to_numpy(o.learning_rate)) for o in gan.optimizer.optimizers]
    # No epoch counts as an improvement after the first: epoch 2 halves both rates.
    callback = keras.callbacks.ReduceLROnPlateau(
        monitor="g_loss", mode="min", factor=0.5, patience=0, min_delta=1e9, min_lr=0.0
    )
    gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[callback])
    after = [float(keras.ops.convert_to_numpy(o.learning_rate)) for o in gan.optimizer.optimizers]
    np.testing.assert_allclose(after, [0.5 * lr for lr in before], rtol=1e-6)
