"""`LabelSmoothingScheduler`: sets a GAN's one-sided label smoothing per epoch."""

from keras_gan.callbacks.hyperparameter_scheduler import HyperparameterScheduler


class LabelSmoothingScheduler(HyperparameterScheduler):
    """Sets `gan.label_smoothing` to `schedule(epoch)` at the start of each epoch.

    `HyperparameterScheduler({"label_smoothing": schedule})`. The value is also added
    to the epoch logs as `label_smoothing`, so `History`, `CSVLogger` and `TensorBoard`
    record it; list this callback before them, as Keras' `LearningRateScheduler`.
    Changing the variable needs no recompiling.

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
        if not callable(schedule):
            raise ValueError(
                "Expected `schedule` to be a function epoch -> float. "
                f"Received: schedule={schedule!r}"
            )
        super().__init__({"label_smoothing": schedule}, verbose=verbose)
        self.schedule = schedule

    def _describe(self, name, t):
        return f"schedule({t})"
