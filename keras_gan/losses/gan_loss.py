"""GAN losses as objects: a discriminator part and a generator part, serializable."""

import inspect

import keras

from keras_gan.losses import functions

_PACKAGE = "keras_gan"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class GANLoss:
    """Base class of a GAN loss: `discriminator_loss` plus `generator_loss`.

    Subclass it to define a new loss; `keras_gan.GAN.compile(loss=...)` takes an
    instance. A subclass that gives real targets a meaning sets
    `supports_label_smoothing = True` and accepts `label_smoothing` in
    `discriminator_loss`. A subclass whose scores have a fixed real/fake boundary
    sets `decision_boundary` to it (adaptive augmentation reads it).

    A subclass whose generator part compares generated samples with real ones (the
    relativistic losses) sets `generator_needs_real_scores = True` and defines
    `generator_loss(self, fake_logits, real_logits)`: every step of `GAN` then calls
    it with `real_logits=`, the scores of the real batch by the discriminator as the
    generator's update sees it (frozen, a constant for the generator's gradient). A
    loss that leaves it `False` is called as `generator_loss(fake_logits)` and costs
    no pass over the real batch in the generator's update.

    Example:
    >>> loss = keras_gan.losses.Hinge()
    >>> d = loss.discriminator_loss(real_logits, fake_logits)
    >>> g = loss.generator_loss(fake_logits)
    >>> keras_gan.losses.Relativistic().generator_loss(fake_logits, real_logits=real_logits)
    """

    name = "gan_loss"
    supports_label_smoothing = False
    # Whether `generator_loss` takes the real batch's scores, as `real_logits`.
    generator_needs_real_scores = False
    # The score above which a sample counts as "real": where the loss's real and fake
    # parts are equal. None when the scores have no fixed reference (a critic).
    decision_boundary = None

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        """Returns the scalar loss the discriminator minimises."""
        raise NotImplementedError(f"{type(self).__name__} must implement `discriminator_loss`.")

    def generator_loss(self, fake_logits):
        """Returns the scalar loss the generator minimises."""
        raise NotImplementedError(f"{type(self).__name__} must implement `generator_loss`.")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _CrossEntropyLoss(GANLoss):
    supports_label_smoothing = True
    _generator_fn = None

    def __init__(self, from_logits: bool = True):
        self.from_logits = bool(from_logits)

    @property
    def decision_boundary(self):
        # sigmoid(0) = 0.5: logit 0, probability 0.5.
        return 0.0 if self.from_logits else 0.5

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        return functions.minimax_discriminator_loss(
            real_logits,
            fake_logits,
            label_smoothing=label_smoothing,
            from_logits=self.from_logits,
        )

    def generator_loss(self, fake_logits):
        return type(self)._generator_fn(fake_logits, from_logits=self.from_logits)

    def get_config(self):
        return {"from_logits": self.from_logits}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Minimax(_CrossEntropyLoss):
    """The original minimax GAN loss (Goodfellow et al., 2014, arXiv:1406.2661).

    Args:
        from_logits: whether discriminator scores are logits. Defaults to `True`.
    """

    name = "minimax"
    _generator_fn = staticmethod(functions.minimax_generator_loss)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class NonSaturating(_CrossEntropyLoss):
    """Cross-entropy discriminator, `-log D(G(z))` generator (the DCGAN default).

    Args:
        from_logits: whether discriminator scores are logits. Defaults to `True`.
    """

    name = "non_saturating"
    _generator_fn = staticmethod(functions.non_saturating_generator_loss)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Wasserstein(GANLoss):
    """Wasserstein critic loss (Arjovsky et al., 2017, arXiv:1701.07875).

    The critic's scores are defined up to a constant (only `D(real) - D(fake)` counts),
    so it has no `decision_boundary`.
    """

    name = "wasserstein"

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        return functions.wasserstein_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return functions.wasserstein_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Hinge(GANLoss):
    """Hinge loss (Lim & Ye, 2017, arXiv:1705.02894)."""

    name = "hinge"
    decision_boundary = 0.0  # midway between the margins -1 (fake) and +1 (real)

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        return functions.hinge_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return functions.hinge_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LeastSquares(GANLoss):
    """Least-squares GAN loss (Mao et al., 2017, arXiv:1611.04076)."""

    name = "least_squares"
    supports_label_smoothing = True
    decision_boundary = 0.5  # midway between the targets 0 (fake) and 1 (real)

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        return functions.least_squares_discriminator_loss(
            real_logits, fake_logits, label_smoothing=label_smoothing
        )

    def generator_loss(self, fake_logits):
        return functions.least_squares_generator_loss(fake_logits)


class _RelativisticLoss(GANLoss):
    generator_needs_real_scores = True
    # Only differences of scores count: no score is "real" on its own.
    decision_boundary = None
    _discriminator_fn = None
    _generator_fn = None

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        return type(self)._discriminator_fn(real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        if real_logits is None:
            raise ValueError(
                f"Expected `real_logits` with loss '{self.name}': its generator part "
                "compares each generated sample's score with a real sample's. Received: "
                "real_logits=None"
            )
        return type(self)._generator_fn(real_logits, fake_logits)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Relativistic(_RelativisticLoss):
    """Relativistic pairing GAN loss, RpGAN (Jolicoeur-Martineau, 2018, arXiv:1807.00734).

    `L_D = E[softplus(D(G(z_i)) - D(x_i))]`, `L_G = E[softplus(D(x_i) - D(G(z_i)))]`,
    pairs taken by index within the batch: the loss of the R3GAN baseline (Huang et
    al., 2024, "The GAN is dead; long live the GAN!", arXiv:2501.05441), used there with
    R1 and R2 penalties. Its generator part needs the real scores
    (`generator_needs_real_scores`); the scores have no `decision_boundary`, so
    adaptive augmentation is refused (fix ADA's `p` instead).

    Example:
    ```python
    gan.compile(d_opt, g_opt, loss="relativistic", r1_penalty=0.1, r2_penalty=0.1)
    ```
    """

    name = "relativistic"
    _discriminator_fn = staticmethod(functions.relativistic_discriminator_loss)
    _generator_fn = staticmethod(functions.relativistic_generator_loss)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class RelativisticHinge(_RelativisticLoss):
    """Relativistic pairing GAN loss, hinge form (Jolicoeur-Martineau, 2018, arXiv:1807.00734).

    `L_D = E[max(0, 1 - (D(x_i) - D(G(z_i))))]`, `L_G = E[max(0, 1 - (D(G(z_i)) - D(x_i)))]`,
    pairs taken by index within the batch (see `Relativistic`).
    """

    name = "relativistic_hinge"
    _discriminator_fn = staticmethod(functions.relativistic_hinge_discriminator_loss)
    _generator_fn = staticmethod(functions.relativistic_hinge_generator_loss)


_BY_NAME = {
    cls.name: cls
    for cls in (
        Minimax,
        NonSaturating,
        Wasserstein,
        Hinge,
        LeastSquares,
        Relativistic,
        RelativisticHinge,
    )
}
LOSS_NAMES = tuple(_BY_NAME)


def get(identifier, *, from_logits: bool = True) -> GANLoss:
    """Returns the `GANLoss` for a name (see `LOSS_NAMES`) or a `GANLoss` instance.

    Args:
        identifier: a loss name such as `"hinge"`, or a `GANLoss` instance.
        from_logits: for the cross-entropy losses named by string, whether the
            discriminator's scores are logits. Defaults to `True`.

    Returns:
        A `GANLoss` instance.
    """
    if not from_logits:
        _check_probabilities_allowed(identifier)
    if isinstance(identifier, GANLoss):
        if not from_logits and getattr(identifier, "from_logits", False):
            raise ValueError(
                "Expected the loss object to agree with `from_logits=False`. Received: "
                f"loss={identifier!r}. Build it with `from_logits=False` instead."
            )
        _check_generator_signature(identifier)
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        cls = _BY_NAME[identifier]
        if issubclass(cls, _CrossEntropyLoss):
            return cls(from_logits=from_logits)
        return cls()
    raise ValueError(
        f"Expected `loss` to be one of {list(LOSS_NAMES)} or a "
        f"`keras_gan.losses.GANLoss` instance. Received: loss={identifier!r}"
    )


def _check_probabilities_allowed(identifier):
    """Refuses `from_logits=False` for a built-in loss that reads raw scores only."""
    for name, cls in _BY_NAME.items():
        if issubclass(cls, _CrossEntropyLoss):
            continue
        if identifier == name or type(identifier) is cls:
            raise ValueError(
                f"Expected `from_logits=True` with loss '{name}': it reads the "
                "discriminator's raw scores, not probabilities (remove a final sigmoid "
                "from the discriminator). Received: from_logits=False"
            )


def _check_generator_signature(loss):
    """Refuses a loss that asks for the real scores but cannot take them."""
    if not loss.generator_needs_real_scores:
        return
    parameters = inspect.signature(loss.generator_loss).parameters.values()
    if not any(
        (p.name == "real_logits" and p.kind is not p.POSITIONAL_ONLY) or p.kind is p.VAR_KEYWORD
        for p in parameters
    ):
        raise ValueError(
            "Expected `generator_loss(self, fake_logits, real_logits)` on a loss with "
            "`generator_needs_real_scores = True`: the step passes the real scores as "
            f"`real_logits=`. Received: loss={loss!r} with "
            f"generator_loss{inspect.signature(loss.generator_loss)}"
        )
