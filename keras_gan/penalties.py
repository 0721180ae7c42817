"""R1 and R2 gradient penalties (Mescheder et al., 2018, arXiv:1801.04406).

`R1 = gamma / 2 * E[||grad_x D(x)||^2]` over real samples, `R2` the same over
generated samples. `GAN.compile(r1_penalty=gamma, r2_penalty=gamma, penalty_every=k)`
adds them to the discriminator's loss; with `k > 1` (lazy regularization, Karras et
al., 2020, StyleGAN2, arXiv:1912.04958) they count only on every k-th discriminator
update, with the weight multiplied by k.
"""

from keras import ops

from keras_gan import backend


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
