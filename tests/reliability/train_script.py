"""A small, deterministic GAN training run that the reliability tests kill and restart.

Run as a script (`python train_script.py MODE WORKDIR`), it trains a tiny GAN with
checkpointing and writes its final state to `WORKDIR/final.npz`. The first run of a
command stops at a kill point: after the batch `KILL_BATCH` of the epoch `KILL_EPOCH`
(0-based) it creates `WORKDIR/killpoint`, prints `KILLPOINT` and sleeps, waiting for
the test's SIGKILL. Running the same command again finds `killpoint` and goes on
without stopping: that is the resumed run. Modes:

- `checkpoint`: `GANCheckpoint(WORKDIR/ckpt)`; resumes from `GANCheckpoint.latest`
  with `initial_epoch=GANCheckpoint.latest_epoch`.
- `backup`: `keras.callbacks.BackupAndRestore(WORKDIR/backup, save_freq=SAVE_FREQ)`,
  which resumes by itself.
- `kill_in_write`: `GANCheckpoint(WORKDIR/ckpt)`, no kill point; the whole-GAN file of
  epoch `KILL_IN_WRITE_EPOCH` is cut off half-way and the process SIGKILLs itself.

The tests import this module too, to build the same GAN and data in-process.
"""

import os
import signal
import sys
import time

import keras
import numpy as np
from keras import layers

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import model_zoo  # noqa: E402

import keras_gan  # noqa: E402
from keras_gan.callbacks import GANCheckpoint  # noqa: E402

EPOCHS = 4
NUM_SAMPLES = 32
BATCH_SIZE = 4  # 8 batches per epoch
STEPS_PER_EPOCH = NUM_SAMPLES // BATCH_SIZE
KILL_EPOCH = 2  # the third epoch
KILL_BATCH = 4  # killed after its fifth batch
SAVE_FREQ = 3  # BackupAndRestore: every 3 batches, so batch 4 of epoch 2 (batch 21) saves
KILL_IN_WRITE_EPOCH = 3  # kill_in_write: dies writing gan_epoch_0003.keras
FIT_KWARGS = dict(batch_size=BATCH_SIZE, shuffle=False, verbose=0)


def discriminator(dropout_seed=7):
    """`model_zoo.dense_discriminator` with a seeded Dropout.

    On the PyTorch backend Keras draws the masks of a Dropout without a seed from
    torch's global generator (a fast path in `keras/src/backend/torch/random.py`),
    which no checkpoint holds; a seeded Dropout draws them from its `SeedGenerator`,
    whose state the GAN saves. TensorFlow and JAX use the `SeedGenerator` either way.
    """
    x = inputs = keras.Input((4, 4, 1))
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(layers.Dense(8)(x))
    x = layers.Dropout(0.3, seed=dropout_seed)(layers.LeakyReLU(0.2)(x))
    return keras.Model(inputs, layers.Dense(1)(x), name="discriminator")


def build_gan():
    """The GAN of every run: BatchNorm, Dropout, EMA, d_steps=2, label smoothing."""
    keras.utils.set_random_seed(0)
    generator = model_zoo.dense_generator()
    discriminator_ = discriminator()
    gan = keras_gan.GAN(generator, discriminator_, seed=1, ema_decay=0.9)
    gan.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        keras.optimizers.Adam(2e-3, beta_1=0.5),
        d_steps=2,
        label_smoothing=0.1,
    )
    return gan


def data():
    return model_zoo.images(NUM_SAMPLES, seed=0)


def final_state(gan):
    """Every number a resumed run must reproduce, as a dict of NumPy arrays."""
    state = {}
    for prefix, variables in (
        ("weight", gan.weights),
        ("d_optimizer", gan.d_optimizer.variables),
        ("g_optimizer", gan.g_optimizer.variables),
    ):
        for i, variable in enumerate(variables):
            state[f"{prefix}_{i:03d}"] = keras.ops.convert_to_numpy(variable)
    for key, seed_state in gan._seed_states().items():
        state[key] = keras.ops.convert_to_numpy(seed_state)
    return state


class KillPoint(keras.callbacks.Callback):
    """Stops the first run of a command at one batch and waits to be killed."""

    def __init__(self, marker, epoch=KILL_EPOCH, batch=KILL_BATCH):
        super().__init__()
        self.marker, self.epoch, self.batch = marker, epoch, batch
        self._current = None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self._current, batch) != (self.epoch, self.batch) or os.path.exists(self.marker):
            return
        with open(self.marker, "w") as f:
            f.write(f"{self.epoch} {self.batch}\n")
        print("KILLPOINT", flush=True)
        time.sleep(600)  # the test sends SIGKILL


class EpochLog(keras.callbacks.Callback):
    """Records the epochs this run started (0-based)."""

    def __init__(self):
        super().__init__()
        self.started = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started.append(epoch)


def _cut_off_gan_save(epoch, scratch):
    """Makes `GAN.save` of checkpoint `epoch` write half the file, then SIGKILL itself."""
    original = keras_gan.GAN.save

    def save(self, filepath, *args, **kwargs):
        if not os.path.basename(filepath).endswith(f"gan_epoch_{epoch:04d}.keras"):
            return original(self, filepath, *args, **kwargs)
        whole = os.path.join(scratch, "whole.keras")
        original(self, whole, *args, **kwargs)
        with open(whole, "rb") as f:
            content = f.read()
        with open(filepath, "wb") as f:
            f.write(content[: len(content) // 2])
            f.flush()
            os.fsync(f.fileno())
        print(f"KILLED-IN-WRITE {filepath} {len(content)}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    keras_gan.GAN.save = save


def main(mode, workdir):
    marker = os.path.join(workdir, "killpoint")
    epochs = EpochLog()
    if mode == "checkpoint":
        directory = os.path.join(workdir, "ckpt")
        path = GANCheckpoint.latest(directory)
        gan = keras.models.load_model(path) if path else build_gan()
        callbacks = [GANCheckpoint(directory, keep=2), epochs, KillPoint(marker)]
        initial_epoch = GANCheckpoint.latest_epoch(directory)
    elif mode == "backup":
        gan = build_gan()
        backup = keras.callbacks.BackupAndRestore(
            os.path.join(workdir, "backup"), save_freq=SAVE_FREQ
        )
        callbacks = [backup, epochs, KillPoint(marker)]
        initial_epoch = 0
    elif mode == "kill_in_write":
        _cut_off_gan_save(KILL_IN_WRITE_EPOCH, workdir)
        gan = build_gan()
        callbacks = [GANCheckpoint(os.path.join(workdir, "ckpt"), keep=None)]
        initial_epoch = 0
    else:
        raise ValueError(f"Expected a mode checkpoint|backup|kill_in_write. Received: {mode}")
    gan.fit(data(), epochs=EPOCHS, initial_epoch=initial_epoch, callbacks=callbacks, **FIT_KWARGS)
    state = final_state(gan)
    state["epochs_started"] = np.array(epochs.started, dtype="int64")
    np.savez(os.path.join(workdir, "final.npz"), **state)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
