"""`GANCheckpoint`: atomic per-epoch `.keras` files of the whole GAN and its generator."""

import os
import re
import shutil
import tempfile
import warnings

import keras

from keras_gan import _distribute
from keras_gan import checks
from keras_gan.callbacks import _checks
from keras_gan.callbacks import _files
from keras_gan.callbacks.terminate_on_nan import non_finite_logs

_PATTERN = re.compile(r"^(gan|generator)_epoch_(\d+)\.keras$")


def _scan(directory):
    """Returns `[(epoch, kind, path)]` of the checkpoint files in `directory`."""
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        match = _PATTERN.match(name)
        if match:
            found.append((int(match.group(2)), match.group(1), os.path.join(directory, name)))
    return sorted(found)


class GANCheckpoint(keras.callbacks.Callback):
    """Saves the whole GAN and its generator every `every_n_epochs` epochs.

    After epoch `N` (1-based, the number of epochs completed) it writes
    `directory/generator_epoch_NNNN.keras` (`gan.sampling_generator` alone: the
    moving-average generator when `ema_decay` is on, loadable without keras_gan) and
    then `directory/gan_epoch_NNNN.keras` (the compiled GAN with both optimizers and
    its noise-seed state: `keras.models.load_model` of it continues training exactly
    where it stopped). Each file is written to a temporary file in `directory` and
    renamed into place, so a crash mid-write never leaves a broken checkpoint. Only
    the `keep` newest epochs are kept. An epoch whose logged losses are NaN or
    infinite is not saved (a warning says so), so a diverged model never becomes the
    latest checkpoint.

    When several processes train (JAX's `keras.distribution` after
    `keras.distribution.initialize`, TensorFlow's `MultiWorkerMirroredStrategy`), only
    process 0 (TensorFlow's chief) writes to `directory`; the others save to a
    temporary directory they delete at once, since saving runs collective operations
    every process must join (reading synchronized variables on TensorFlow, creating
    variables on JAX). To resume, put `directory`
    on storage every process can read: each process loads `latest(directory)`.

    Args:
        directory: where to write the checkpoints; created if missing. No default.
        every_n_epochs: save after every `every_n_epochs`-th epoch. Defaults to `1`.
        keep: number of newest checkpoint pairs to keep, older ones are deleted;
            `None` keeps all. Defaults to `3`.

    Example:
    ```python
    path = GANCheckpoint.latest("ckpt")
    gan = keras.models.load_model(path) if path else build_gan()
    gan.fit(images, epochs=50, initial_epoch=GANCheckpoint.latest_epoch("ckpt"),
            callbacks=[GANCheckpoint("ckpt")])
    ```
    """

    def __init__(self, directory, every_n_epochs: int = 1, keep: int | None = 3):
        super().__init__()
        self.directory = checks.check_path(directory, "directory")
        self.every_n_epochs = checks.check_positive_int(every_n_epochs, "every_n_epochs")
        self.keep = None if keep is None else checks.check_positive_int(keep, "keep")
        self._first_epoch = True

    @staticmethod
    def latest(directory) -> str | None:
        """Returns the path of the newest whole-GAN checkpoint in `directory`, or `None`.

        Args:
            directory: a `GANCheckpoint` directory (it need not exist).
        """
        gans = [path for _, kind, path in _scan(os.fspath(directory)) if kind == "gan"]
        return gans[-1] if gans else None

    @staticmethod
    def latest_epoch(directory) -> int:
        """Returns the number of epochs of the newest GAN checkpoint, `0` if none.

        It is the `initial_epoch` to pass to `fit` when resuming from `latest`.

        Args:
            directory: a `GANCheckpoint` directory (it need not exist).
        """
        epochs = [epoch for epoch, kind, _ in _scan(os.fspath(directory)) if kind == "gan"]
        return epochs[-1] if epochs else 0

    def on_train_begin(self, logs=None):
        _checks.check_gan(self.model, "GANCheckpoint")
        self._first_epoch = True

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch and self.latest_epoch(self.directory) > epoch:
            warnings.warn(
                f"{self.directory!r} holds checkpoints newer than the starting epoch "
                f"({epoch}): they are from an earlier run, and `GANCheckpoint.latest` "
                "returns them until this run writes the same epochs. To resume, pass "
                "`initial_epoch=GANCheckpoint.latest_epoch(directory)` to `fit`.",
                stacklevel=2,
            )
        self._first_epoch = False

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        bad = non_finite_logs(logs)
        if bad:
            warnings.warn(
                f"GANCheckpoint: not saving epoch {epoch + 1}, its losses are not finite: "
                f"{bad}. The latest checkpoint stays {self.latest(self.directory)!r}.",
                stacklevel=2,
            )
            return
        self.save(epoch + 1)

    def save(self, epoch: int) -> str:
        """Writes the checkpoint pair for `epoch` (epochs completed); returns the GAN path.

        On a process other than process 0 it writes nothing to `directory` (see above).
        """
        gan_path = os.path.join(self.directory, f"gan_epoch_{epoch:04d}.keras")
        if _distribute.is_chief(self.model):
            self._write(self.directory, epoch)
            self._prune(epoch)
        elif _distribute.process_info(self.model)[1] > 1:
            scratch = tempfile.mkdtemp(prefix="gan_checkpoint_")
            try:
                self._write(scratch, epoch)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        return gan_path

    def _write(self, directory, epoch):
        generator_path = os.path.join(directory, f"generator_epoch_{epoch:04d}.keras")
        with _files.atomic_path(generator_path) as temp:
            self.model.sampling_generator.save(temp)
        gan_path = os.path.join(directory, f"gan_epoch_{epoch:04d}.keras")
        with _files.atomic_path(gan_path) as temp:  # last: the GAN file completes the pair
            self.model.save(temp)

    def _prune(self, epoch):
        if self.keep is None:
            return
        files = _scan(self.directory)
        # Files numbered above `epoch` are from an earlier run: left alone.
        kept = sorted({e for e, kind, _ in files if kind == "gan" and e <= epoch})[-self.keep :]
        for file_epoch, _, path in files:
            if file_epoch < kept[0]:
                os.remove(path)
