"""The discriminator's penalties, one `Penalty` kind: R1, R2 and WGAN-GP.

R1 and R2 (Mescheder et al., 2018, arXiv:1801.04406): `R1 = gamma / 2 *
E[||grad_x D(x)||^2]` over real samples, `R2` the same over generated samples.
`GAN.compile(r1_penalty=gamma, r2_penalty=gamma, penalty_every=k)` adds them to the
discriminator's loss; with `k > 1` (lazy regularization, Karras et al., 2020,
StyleGAN2, arXiv:1912.04958) they count only on every k-th discriminator update,
with the weight multiplied by k. WGAN-GP (Gulrajani et al., 2017, arXiv:1704.00028):
`compile(gradient_penalty=weight)`, the critic's gradient norm pulled to 1 on random
interpolations of real and generated samples.

The vocabulary: a penalty's *weight* is what `compile` takes (and what
`HyperparameterScheduler` sets, logged as `<name>_weight`); its *value* is what the
step computes and the metric of the same name (`history.history["r1_penalty"]`) logs.
`GAN.compile` builds the penalties that are on (`penalties_from_weights`), the GAN
keeps them in `gan.penalties`, the step adds `weight * value` of each to the
discriminator's loss, and `gan.metrics` lists each one's tracker.
"""

import keras
from keras import ops

from keras_gan import backend
from keras_gan import losses as losses_module
from keras_gan._random import per_replica as _per_replica


def squared_gradient_norm(critic, samples):
    """`E[||grad_x critic(x)||^2]` over the batch `samples`, differentiable again.

    No square root is taken, so it and its gradient are finite (zero) where the
    critic's gradient is zero.

    Args:
        critic: function from samples to one score per sample.
        samples: a batch `(batch, ...)`.

    Returns:
        A float32 scalar tensor.
    """
    gradients = ops.cast(backend.input_gradients(critic, samples), "float32")
    axes = tuple(range(1, len(gradients.shape)))
    return ops.mean(ops.sum(ops.square(gradients), axis=axes))


def lazy_weight(weight, every, iterations):
    """The penalty's weight at this discriminator update: `weight * every` on every
    `every`-th update (those where `iterations % every == 0`), 0 on the others.

    A multiply-by-0/1 mask rather than a conditional: the penalty's double
    gradient inside a `cond` branch does not trace on every backend (JAX's
    `lax.cond` needs the variable updates of both branches to match), while a mask
    jits everywhere. The penalty is still computed on every update; lazy weighting
    here changes the regularization schedule, not the cost.

    Args:
        weight: the penalty's weight (`gamma / 2` for R1/R2).
        every: apply it every this many updates.
        iterations: the discriminator optimizer's update count before this update.

    Returns:
        A float32 scalar tensor (or `weight` itself when `every == 1`).
    """
    if every == 1:
        return weight
    on = ops.cast(ops.equal(ops.mod(ops.cast(iterations, "int32"), every), 0), "float32")
    return on * (weight * every)


class Penalty:
    """A term `scale * value` of the discriminator's loss.

    Attributes:
        name: the metric logging the penalty's value, also `compile`'s keyword for its
            weight (`"r1_penalty"`).
        tracker: the `keras.metrics.Mean` of its value (the GAN's, made in `__init__`).
    """

    name = None

    def __init__(self, tracker):
        self.tracker = tracker

    @property
    def weight_log_key(self):
        """The epoch-log key of the weight when scheduled (`"r1_penalty_weight"`)."""
        return f"{self.name}_weight"

    def value(self, critic, real, fake, *, seed):
        """The penalty's value (a float scalar tensor) for one batch.

        Args:
            critic: function from samples to the discriminator's scores (labels bound,
                augmentation included, its state updates discarded).
            real: the real batch.
            fake: the generated batch (no gradient flows to the generator).
            seed: the `keras.random.SeedGenerator` a random penalty draws from.
        """
        raise NotImplementedError

    def scale(self, *, training, iterations):
        """What the value is multiplied by in the loss at this update.

        Args:
            training: `False` in `evaluate`.
            iterations: the discriminator optimizer's update count before this update.
        """
        raise NotImplementedError


class GradientPenalty(Penalty):
    """WGAN-GP: `weight * E[(||grad D(x_hat)|| - 1)^2]`, `x_hat` a random
    interpolation of a real and a generated sample per pair.

    Args:
        weight: the compiled weight, a float > 0 (fixed: not a variable).
        tracker: the metric of the value.
    """

    name = "gradient_penalty"

    def __init__(self, weight, tracker):
        super().__init__(tracker)
        self.weight = weight

    def value(self, critic, real, fake, *, seed):
        batch = ops.shape(real)[0]
        alpha = _per_replica(
            keras.random.uniform, batch, (1,) * (len(real.shape) - 1), seed, dtype=real.dtype
        )
        mixed = alpha * real + (1.0 - alpha) * ops.cast(fake, real.dtype)
        gradients = backend.input_gradients(critic, mixed)
        return losses_module.gradient_norm_penalty(gradients)

    def scale(self, *, training, iterations):
        return self.weight


class SquaredGradientPenalty(Penalty):
    """R1 (on real samples) or R2 (on generated ones): `weight / 2 *
    E[||grad D(x)||^2]`, counted on every `every`-th update with `every` times the
    weight (lazy regularization).

    Args:
        name: `"r1_penalty"` or `"r2_penalty"`.
        weight: the weight, a `keras.Variable` the step reads (settable between steps).
        every: `penalty_every`.
        tracker: the metric of the value.
    """

    def __init__(self, name, weight, every, tracker):
        super().__init__(tracker)
        self.name = name
        self.weight = weight
        self.every = every

    def value(self, critic, real, fake, *, seed):
        return squared_gradient_norm(critic, real if self.name == "r1_penalty" else fake)

    def scale(self, *, training, iterations):
        if not training:
            # `evaluate` counts it at its mean weight: lazy regularization's
            # `every * weight` on every `every`-th update averages to `weight`.
            return 0.5 * self.weight
        return lazy_weight(0.5 * self.weight, self.every, iterations)


def penalties_from_weights(gan, *, gradient_penalty, r1_penalty, r2_penalty, penalty_every):
    """The penalties that are on (compiled weight > 0), in the order the step adds them.

    Args:
        gan: the GAN: its trackers and its R1/R2 weight variables.
        gradient_penalty, r1_penalty, r2_penalty: the compiled weights.
        penalty_every: R1/R2's lazy regularization interval.
    """
    penalties = []
    if gradient_penalty > 0:
        penalties.append(GradientPenalty(gradient_penalty, gan.gp_tracker))
    for name, compiled, variable, tracker in (
        ("r1_penalty", r1_penalty, gan._r1_penalty, gan.r1_tracker),
        ("r2_penalty", r2_penalty, gan._r2_penalty, gan.r2_tracker),
    ):
        if compiled > 0:
            penalties.append(SquaredGradientPenalty(name, variable, penalty_every, tracker))
    return tuple(penalties)
