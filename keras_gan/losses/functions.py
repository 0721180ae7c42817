"""GAN losses as pure functions of discriminator scores, written in `keras.ops`.

Each loss is a pair: `<name>_discriminator_loss(real_logits, fake_logits, *, ...)`
and `<name>_generator_loss(fake_logits, *, ...)`; the relativistic generator losses
take `(real_logits, fake_logits)` like the discriminator parts. Scores have shape `(batch,)` or
`(batch, 1)`; every function returns a scalar (the mean over the batch). The
discriminator loss is the sum of its real and fake parts, as in the TensorFlow
DCGAN tutorial.

Hyperparameters are keyword-only. `from_logits=False` means the scores are
probabilities in (0, 1) (a discriminator ending in a sigmoid); it only matters for
the two cross-entropy losses, the others read the scores as they are.
"""

from keras import ops

_EPSILON = 1e-7


def _tensor(x):
    return ops.convert_to_tensor(x)


def _as_logits(scores, from_logits):
    scores = _tensor(scores)
    if from_logits:
        return scores
    p = ops.clip(scores, _EPSILON, 1.0 - _EPSILON)
    return ops.log(p) - ops.log1p(-p)


def _sigmoid_cross_entropy(logits, target):
    # -(t log s(x) + (1 - t) log(1 - s(x))) = t softplus(-x) + (1 - t) softplus(x)
    return target * ops.softplus(-logits) + (1.0 - target) * ops.softplus(logits)


def minimax_discriminator_loss(real_logits, fake_logits, *, label_smoothing=0.0, from_logits=True):
    """Discriminator loss of the original GAN (Goodfellow et al., 2014, arXiv:1406.2661).

    `L_D = -E[log D(x)] - E[log(1 - D(G(z)))]`, with one-sided label smoothing
    (Salimans et al., 2016, arXiv:1606.03498): real targets become `1 - label_smoothing`.

    Args:
        real_logits: discriminator scores of real samples.
        fake_logits: discriminator scores of generated samples.
        label_smoothing: float in [0, 1). Defaults to `0.0`.
        from_logits: whether the scores are logits. Defaults to `True`.

    Returns:
        A scalar tensor.

    Example:
    >>> float(minimax_discriminator_loss([0.0], [0.0]))  # 2 log 2
    1.386...
    """
    real_logits = _as_logits(real_logits, from_logits)
    fake_logits = _as_logits(fake_logits, from_logits)
    real_target = 1.0 - ops.cast(label_smoothing, real_logits.dtype)
    real_loss = ops.mean(_sigmoid_cross_entropy(real_logits, real_target))
    fake_loss = ops.mean(ops.softplus(fake_logits))
    return real_loss + fake_loss


def minimax_generator_loss(fake_logits, *, from_logits=True):
    """Generator loss of the original minimax game: `L_G = E[log(1 - D(G(z)))]`.

    It saturates when the discriminator wins (Goodfellow et al., 2014, arXiv:1406.2661);
    prefer `non_saturating_generator_loss` in practice.

    Args:
        fake_logits: discriminator scores of generated samples.
        from_logits: whether the scores are logits. Defaults to `True`.

    Returns:
        A scalar tensor.
    """
    fake_logits = _as_logits(fake_logits, from_logits)
    return -ops.mean(ops.softplus(fake_logits))


non_saturating_discriminator_loss = minimax_discriminator_loss


def non_saturating_generator_loss(fake_logits, *, from_logits=True):
    """Non-saturating generator loss: `L_G = -E[log D(G(z))]`.

    The heuristic of Goodfellow et al., 2014 (arXiv:1406.2661), used by DCGAN. The
    discriminator side is the same as the minimax loss.

    Args:
        fake_logits: discriminator scores of generated samples.
        from_logits: whether the scores are logits. Defaults to `True`.

    Returns:
        A scalar tensor.
    """
    fake_logits = _as_logits(fake_logits, from_logits)
    return ops.mean(ops.softplus(-fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Critic loss of the Wasserstein GAN (Arjovsky et al., 2017, arXiv:1701.07875).

    `L_D = E[D(G(z))] - E[D(x)]` on raw critic scores. Use it with weight clipping or,
    better, the gradient penalty (`compile(..., gradient_penalty=10.0)`).

    Args:
        real_logits: critic scores of real samples.
        fake_logits: critic scores of generated samples.

    Returns:
        A scalar tensor.
    """
    return ops.mean(_tensor(fake_logits)) - ops.mean(_tensor(real_logits))


def wasserstein_generator_loss(fake_logits):
    """Generator loss of the Wasserstein GAN: `L_G = -E[D(G(z))]`.

    Args:
        fake_logits: critic scores of generated samples.

    Returns:
        A scalar tensor.
    """
    return -ops.mean(_tensor(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge loss of the discriminator (Lim & Ye, 2017, arXiv:1705.02894; Miyato et al., 2018).

    `L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]`.

    Args:
        real_logits: discriminator scores of real samples.
        fake_logits: discriminator scores of generated samples.

    Returns:
        A scalar tensor.
    """
    real_loss = ops.mean(ops.relu(1.0 - _tensor(real_logits)))
    return real_loss + ops.mean(ops.relu(1.0 + _tensor(fake_logits)))


hinge_generator_loss = wasserstein_generator_loss


def least_squares_discriminator_loss(real_logits, fake_logits, *, label_smoothing=0.0):
    """Least-squares discriminator loss (Mao et al., 2017, arXiv:1611.04076).

    `L_D = 1/2 E[(D(x) - b)^2] + 1/2 E[D(G(z))^2]` with `b = 1 - label_smoothing`.

    Args:
        real_logits: discriminator scores of real samples.
        fake_logits: discriminator scores of generated samples.
        label_smoothing: float in [0, 1). Defaults to `0.0`.

    Returns:
        A scalar tensor.
    """
    real_logits = _tensor(real_logits)
    real_target = 1.0 - ops.cast(label_smoothing, real_logits.dtype)
    real_loss = 0.5 * ops.mean(ops.square(real_logits - real_target))
    return real_loss + 0.5 * ops.mean(ops.square(_tensor(fake_logits)))


def least_squares_generator_loss(fake_logits):
    """Least-squares generator loss: `L_G = 1/2 E[(D(G(z)) - 1)^2]`.

    Args:
        fake_logits: discriminator scores of generated samples.

    Returns:
        A scalar tensor.
    """
    return 0.5 * ops.mean(ops.square(_tensor(fake_logits) - 1.0))


def _paired(real_logits, fake_logits):
    """Both score batches flattened to `(batch,)`, after checking they pair up."""
    real_logits, fake_logits = _tensor(real_logits), _tensor(fake_logits)
    sizes = [_static_size(x) for x in (real_logits, fake_logits)]
    if None not in sizes and sizes[0] != sizes[1]:
        raise ValueError(
            "Expected as many real scores as generated ones: a relativistic loss pairs "
            "the i-th real sample with the i-th generated one. Received: "
            f"real_logits.shape={tuple(real_logits.shape)}, "
            f"fake_logits.shape={tuple(fake_logits.shape)}"
        )
    return ops.reshape(real_logits, (-1,)), ops.reshape(fake_logits, (-1,))


def _static_size(x):
    """The number of scores in `x`, or None when its shape is not known yet."""
    size = 1
    for dim in x.shape:
        if dim is None:
            return None
        size *= dim
    return size


def relativistic_discriminator_loss(real_logits, fake_logits):
    """Relativistic pairing (RpGAN) discriminator loss, softplus form.

    `L_D = E[softplus(-(D(x_i) - D(G(z_i))))]`: each real sample's score is compared
    with one generated sample's, pairs taken by index within the batch (Jolicoeur-
    Martineau, 2018, arXiv:1807.00734; the R3GAN baseline of Huang et al., 2024, "The
    GAN is dead; long live the GAN!", arXiv:2501.05441). Only differences of scores
    count, so there is no real/fake threshold.

    Args:
        real_logits: discriminator scores of real samples, shape `(batch,)` or
            `(batch, 1)`.
        fake_logits: discriminator scores of as many generated samples.

    Returns:
        A scalar tensor.

    Example:
    >>> float(relativistic_discriminator_loss([0.0], [0.0]))  # log 2
    0.693...
    """
    real_logits, fake_logits = _paired(real_logits, fake_logits)
    return ops.mean(ops.softplus(fake_logits - real_logits))


def relativistic_generator_loss(real_logits, fake_logits):
    """Relativistic pairing (RpGAN) generator loss: `L_G = E[softplus(-(D(G(z_i)) - D(x_i)))]`.

    The discriminator's loss with the roles swapped (Jolicoeur-Martineau, 2018,
    arXiv:1807.00734; Huang et al., 2024, arXiv:2501.05441). The real scores are
    constants for the generator: pass them without a gradient path.

    Args:
        real_logits: discriminator scores of real samples, shape `(batch,)` or
            `(batch, 1)`; constants for the generator.
        fake_logits: discriminator scores of as many generated samples, paired by index.

    Returns:
        A scalar tensor.
    """
    real_logits, fake_logits = _paired(real_logits, fake_logits)
    return ops.mean(ops.softplus(real_logits - fake_logits))


def relativistic_hinge_discriminator_loss(real_logits, fake_logits):
    """Relativistic pairing discriminator loss, hinge form.

    `L_D = E[max(0, 1 - (D(x_i) - D(G(z_i))))]`, pairs taken by index within the batch:
    RpGAN's `f(t) = softplus(-t)` replaced by the hinge `max(0, 1 - t)` (Jolicoeur-
    Martineau, 2018, arXiv:1807.00734; Huang et al., 2024, arXiv:2501.05441).

    Args:
        real_logits: discriminator scores of real samples, shape `(batch,)` or
            `(batch, 1)`.
        fake_logits: discriminator scores of as many generated samples.

    Returns:
        A scalar tensor.
    """
    real_logits, fake_logits = _paired(real_logits, fake_logits)
    return ops.mean(ops.relu(1.0 - (real_logits - fake_logits)))


def relativistic_hinge_generator_loss(real_logits, fake_logits):
    """Relativistic pairing generator loss, hinge form: `L_G = E[max(0, 1 - (D(G(z_i)) - D(x_i)))]`.

    Args:
        real_logits: discriminator scores of real samples, shape `(batch,)` or
            `(batch, 1)`; constants for the generator.
        fake_logits: discriminator scores of as many generated samples, paired by index.

    Returns:
        A scalar tensor.
    """
    real_logits, fake_logits = _paired(real_logits, fake_logits)
    return ops.mean(ops.relu(1.0 - (fake_logits - real_logits)))


def gradient_norm_penalty(gradients, *, target=1.0, epsilon=1e-12):
    """The WGAN-GP penalty from per-sample input gradients.

    `E[(||g||_2 - target)^2]` (Gulrajani et al., 2017, arXiv:1704.00028). The norm is
    `sqrt(sum g^2 + epsilon)`, whose gradient stays finite at `g = 0`.

    Args:
        gradients: gradients of the critic's scores with respect to its inputs,
            shape `(batch, ...)`.
        target: the norm the penalty pulls towards. Defaults to `1.0`.
        epsilon: added under the square root. Defaults to `1e-12`.

    Returns:
        A scalar tensor.
    """
    gradients = _tensor(gradients)
    batch = ops.shape(gradients)[0]
    flat = ops.reshape(gradients, (batch, -1))
    norms = ops.sqrt(ops.sum(ops.square(flat), axis=-1) + epsilon)
    return ops.mean(ops.square(norms - target))
