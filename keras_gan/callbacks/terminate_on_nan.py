"""`TerminateOnNaN`: stops a GAN's training at the first NaN or infinite loss."""

import math
import numbers

import keras

from keras_gan import checks


def non_finite_logs(logs) -> dict:
    """Returns the entries of `logs` whose value is a NaN or infinite number."""
    bad = {}
    for key, value in (logs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(number):
            bad[key] = number
    return bad


def _format_logs(logs):
    numbers_only = {k: v for k, v in sorted(logs.items()) if isinstance(v, numbers.Number)}
    return ", ".join(f"{key}={value:.4g}" for key, value in numbers_only.items())


class TerminateOnNaN(keras.callbacks.Callback):
    """Stops training when any loss of a GAN becomes NaN or infinite.

    Keras' own `keras.callbacks.TerminateOnNaN` only reads the `loss` key, which a GAN
    does not log. This one checks every value of each batch's logs (`d_loss`,
    `g_loss`, `gradient_penalty`, ...). At the first non-finite value it sets
    `model.stop_training = True` (Keras still ends the epoch and calls `on_train_end`),
    prints a message naming the epoch, the batch and the losses, and keeps them in
    `message`, `stopped_epoch` and `stopped_step`. It writes nothing; `GANCheckpoint`
    does not save an epoch whose logged losses are not finite, so the checkpoints
    written before the divergence stay the latest.

    Args:
        raise_error: raise a `RuntimeError` with the message instead of stopping
            gracefully (other callbacks' `on_train_end` is then not called).
            Defaults to `False`.

    Attributes:
        message: the message printed when training stopped, or `None`.
        stopped_epoch: 0-based index of the epoch with the first non-finite loss
            (as `keras.callbacks.EarlyStopping.stopped_epoch`), or `None`.
        stopped_step: 0-based index of that batch within its epoch, or `None`.

    Example:
    ```python
    guard = keras_gan.callbacks.TerminateOnNaN()
    gan.fit(images, epochs=100, callbacks=[guard, keras_gan.callbacks.GANCheckpoint("ckpt")])
    if guard.message:
        print("diverged:", guard.message)
    ```
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = checks.check_bool(raise_error, "raise_error")
        self.message = None
        self.stopped_epoch = None
        self.stopped_step = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self.message = self.stopped_epoch = self.stopped_step = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = non_finite_logs(logs)
        if not bad or self.message is not None:
            return
        self.stopped_epoch, self.stopped_step = self._epoch, batch
        self.message = (
            f"Epoch {self._epoch + 1}, batch {batch}: non-finite {', '.join(sorted(bad))}, "
            f"terminating training. Losses: {_format_logs(logs)}"
        )
        if self.raise_error:
            raise RuntimeError(self.message)
        print(self.message)
        self.model.stop_training = True
