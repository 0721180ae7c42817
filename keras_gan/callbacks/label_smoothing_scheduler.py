"""`LabelSmoothingScheduler`: sets a GAN's one-sided label smoothing per epoch."""

import keras

from keras_gan.callbacks import _checks


class LabelSmoothingScheduler(keras.callbacks.Callback):
    """Sets `gan.label_smoothing` to `schedule(epoch)` at the start of each epoch.

    The value is also added to the epoch logs as `label_smoothing`, so `History`,
    `CSVLogger` and `TensorBoard` record it; list this callback before them, as
    Keras' `LearningRateScheduler`. Changing the variable needs no recompiling.

    Args:
        schedule: a function `schedule(epoch) -> float` of the 0-based epoch index
            returning the smoothing for that epoch, in `[0, 1)`. No default.
        verbose: `1` prints the value set at each epoch. Defaults to `0`.

    Example:
    ```python
    # Smooth real labels to 0.9 for 10 epochs, then train without smoothing.
    scheduler = keras_gan.callbacks.LabelSmoothingScheduler(
        lambda epoch: 0.1 if epoch < 10 else 0.0)
    gan.fit(images, epochs=30, callbacks=[scheduler])
    ```
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise ValueError(
                "Expected `schedule` to be a function epoch -> float. "
                f"Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        _checks.check_gan(self.model, "LabelSmoothingScheduler")

    def on_epoch_begin(self, epoch, logs=None):
        value = self.schedule(epoch)
        try:
            self.model.label_smoothing = value
        except ValueError as e:
            raise ValueError(
                f"Expected `schedule({epoch})` to return a valid label smoothing. {e}"
            ) from e
        if self.verbose:
            print(
                f"\nEpoch {epoch + 1}: LabelSmoothingScheduler setting label_smoothing to "
                f"{float(value)}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            value = self.model.label_smoothing
            logs["label_smoothing"] = float(keras.ops.convert_to_numpy(value))
