"""`StepHost`: what the training step (`keras_gan.training_step.StepMixin`) reads
from the model it is mixed into, in one place.

`StepMixin` reads `self.<name>` only for its own methods and for the names declared
here; `tests/test_training_step.py` checks that. `GAN` provides every one of them:
the networks, the seeds and the trackers in `GAN.__init__`, `compile_config`,
`penalties` and `augmenter` in `GAN.compile`, the hyperparameter variables through
`keras_gan.hyperparameters.HyperparameterMixin`'s properties, and the hooks below
(`ConditionalGAN` overrides them to pass labels).
"""

from typing import Any


class StepHost:
    """The contract between the training step and its model.

    Attributes the host sets (annotations only: the values live on the host):
        generator: the generator, a Keras model.
        discriminator: the discriminator, a Keras model.
        compile_config: the `keras_gan.compile_settings.CompileConfig` of the last
            `compile`; the step reads its `d_optimizer`, `g_optimizer`, `loss`,
            `d_steps`, `update` and `reuse_fakes`.
        penalties: the `keras_gan.penalties.Penalty` objects compiled on, in the order
            their values are added to the discriminator's loss; each updates its own
            tracker.
        augmenter: what augments every batch the discriminator sees (a layer or a
            callable `(images, training)`), or None.
        ema_generator: the moving average of the generator, or None.
        seed_generator: the `keras.random.SeedGenerator` of training's noise.
        sample_seed_generator: the one of sampling and evaluation.
        d_loss_tracker: the `keras.metrics.Mean` of the discriminator's loss.
        g_loss_tracker: the one of the generator's loss.
        metrics: every tracker whose result the step logs.
        label_smoothing: one-sided label smoothing, a `keras.Variable`.
        images_seen: the real images trained on, a `keras.Variable` the step counts.
        ema_decay: the moving average's decay, a `keras.Variable` (None without a
            moving average); with `ema_half_life`, the step assigns it.
        ema_half_life: the moving average's half-life in images, a `keras.Variable`,
            or None.
        ema_rampup: the half-life's ramp-up factor, a float or None.
    """

    generator: Any
    discriminator: Any
    compile_config: Any
    penalties: tuple
    augmenter: Any
    ema_generator: Any
    seed_generator: Any
    sample_seed_generator: Any
    d_loss_tracker: Any
    g_loss_tracker: Any
    metrics: list
    label_smoothing: Any
    images_seen: Any
    ema_decay: Any
    ema_half_life: Any
    ema_rampup: Any

    # ------------------------------------------------------------------ hooks
    def _real_samples(self, data):
        """`(samples, labels)` of a batch of `fit`'s data, checked; labels may be None."""
        raise NotImplementedError

    def _noise(self, batch_size, seed):
        """A batch of `batch_size` noise vectors drawn from `seed` (a SeedGenerator)."""
        raise NotImplementedError

    def _generator_inputs(self, noise, labels):
        """The generator's inputs for `noise` and the batch's `labels`. Defaults to
        the noise alone (`ConditionalGAN`: `[noise, labels]`)."""
        return noise

    def _discriminator_inputs(self, samples, labels):
        """The discriminator's inputs for `samples` and the batch's `labels`. Defaults
        to the samples alone (`ConditionalGAN`: `[samples, labels]`)."""
        return samples
