"""The training and evaluation steps of `GAN`, as Keras' `Model` inherits its `Trainer`.

`StepMixin` holds everything one step does: which updates run and in which order
(`d_steps`, `update="simultaneous"`, `reuse_fakes`), the discriminator's loss (one
function for training and evaluation), the two networks' updates, the augmenter's
own update and the moving average of the generator. `GAN` inherits it and keeps
construction, `compile`, the checks around `fit`, generation and saving.

The step reads from the model only what `keras_gan.step_host.StepHost` declares:
the two networks, `compile_config` (`keras_gan.compile_settings.CompileConfig`: the
optimizers, the loss, `d_steps`, `update`, `reuse_fakes`), `penalties`
(`keras_gan.penalties`), the hyperparameter variables (`label_smoothing`,
`images_seen`, which it counts, and the moving average's), `augmenter`,
`ema_generator`, the seeds and the trackers, and the hooks a `ConditionalGAN`
overrides (`_generator_inputs`, `_discriminator_inputs`, `_real_samples`).
"""

import inspect

from keras import ops

from keras_gan import backend
from keras_gan.step_host import StepHost


def frozen_call(model, inputs, training=True):
    """Calls `model` (in training mode by default) and throws its state updates away.

    Batch statistics are used (as in training), but BatchNorm moving averages,
    Dropout seeds and every other variable of `model` stay as they were. A model whose
    `call` takes no `training` argument is called without one, as `model(...)` does.
    """
    kwargs = {"training": training} if _takes_training(model) else {}
    outputs, _ = model.stateless_call(
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
        inputs,
        **kwargs,
    )
    return outputs


def _takes_training(model):
    parameters = inspect.signature(model.call).parameters.values()
    return any(p.name == "training" or p.kind is p.VAR_KEYWORD for p in parameters)


def scores(outputs):
    """One float32 score per sample, whatever the discriminator's output shape/dtype."""
    return ops.reshape(ops.cast(outputs, "float32"), (-1,))


class StepMixin(StepHost):
    """`train_step` and `test_step` of a `GAN` (see the module's docstring); what it
    reads from its model is declared in `StepHost`."""

    def train_step(self, *args):
        # `(data)` on TensorFlow and PyTorch, `(state, data)` on JAX.
        return backend.run_step(self, self._train_step, *args)

    def test_step(self, *args):
        return backend.run_step(self, self._test_step, *args)

    # ------------------------------------------------------- order of updates
    def _train_step(self, data):
        real, labels = self._real_samples(data)
        config = self.compile_config
        if config.update == "simultaneous":
            d_loss, g_loss, penalty_values = self._simultaneous_update(real, labels)
            self._track(d_loss, penalty_values)
        else:
            # With `reuse_fakes`, the last discriminator update shares its batch with
            # the generator update.
            for _ in range(config.d_steps - 1 if config.reuse_fakes else config.d_steps):
                self._track(*self._discriminator_update(real, labels))
            if config.reuse_fakes:
                d_loss, penalty_values, g_loss = self._reuse_fakes_updates(real, labels)
                self._track(d_loss, penalty_values)
            else:
                g_loss = self._generator_update(real, labels)
        images = backend.replica_sum(ops.cast(ops.shape(real)[0], "float32"))
        if self.ema_generator is not None:
            self._update_ema(images)
        self.images_seen.assign_add(ops.cast(images, self.images_seen.dtype))
        self.g_loss_tracker.update_state(g_loss)
        logs = {m.name: m.result() for m in self.metrics}
        logs.update(_augmenter_logs(self.augmenter))
        return backend.step_logs(logs)

    def _test_step(self, data):
        real, labels = self._real_samples(data)
        noise = self._noise(ops.shape(real)[0], self.sample_seed_generator)
        fake = self.generator(self._generator_inputs(noise, labels), training=False)
        d_loss, (real_scores, fake_scores, penalty_values) = self._discriminator_loss(
            real, fake, labels, training=False
        )
        self._track(d_loss, penalty_values)
        self.g_loss_tracker.update_state(self._generator_loss(fake_scores, real_scores))
        return backend.step_logs({m.name: m.result() for m in self.metrics})

    def _track(self, d_loss, penalty_values):
        self.d_loss_tracker.update_state(d_loss)
        for penalty in self.penalties:
            penalty.tracker.update_state(penalty_values[penalty.name])

    # ------------------------------------------------- the discriminator's loss
    def _critic(self, samples, labels, *, training=True, frozen=False):
        """The discriminator's float32 scores of `samples`, one per sample.

        In training, the samples are augmented (when `augment` is on) and the
        discriminator runs in training mode; `frozen=True` discards its state updates.
        """
        if training and self.augmenter is not None:
            samples = self.augmenter(samples, training=True)
        inputs = self._discriminator_inputs(samples, labels)
        if frozen:
            return scores(frozen_call(self.discriminator, inputs, training=training))
        return scores(self.discriminator(inputs, training=training))

    def _discriminator_loss(self, real, fake, labels, *, training=True):
        """The discriminator's loss, penalties included.

        Returns `(loss, (real_scores, fake_scores, penalties))`, `penalties` mapping
        the name of each penalty in `self.penalties` (`keras_gan.penalties`: those
        compiled on) to its value; the loss adds each one's `scale * value`.

        With `training=False` (`evaluate`) the discriminator runs in inference mode
        and sees no augmentation, on purpose: evaluation measures the networks on
        the data, not on the augmented task they train on. The penalties are then
        computed on that same inference-mode discriminator, the gradient penalty's
        interpolation drawn from the sampling seed (training's noise is untouched),
        and R1/R2 count at their mean weight: lazy regularization's `k * weight` on
        every k-th update averages to `weight`.
        """
        real_scores = self._critic(real, labels, training=training)
        fake_scores = self._critic(fake, labels, training=training)
        loss = self.compile_config.loss.discriminator_loss(
            real_scores, fake_scores, label_smoothing=self.label_smoothing
        )
        penalty_values = {}

        def critic(x):
            return self._critic(x, labels, training=training, frozen=True)

        fake = ops.stop_gradient(fake)
        seed = self.seed_generator if training else self.sample_seed_generator
        for penalty in self.penalties:
            value = penalty.value(critic, real, fake, seed=seed)
            scale = penalty.scale(
                training=training, iterations=self.compile_config.d_optimizer.iterations
            )
            loss = loss + scale * value
            penalty_values[penalty.name] = value
        return loss, (real_scores, fake_scores, penalty_values)

    # ---------------------------------------------------------------- updates
    def _discriminator_update(self, real, labels, fake=None):
        """One discriminator update; the generator runs frozen. Returns `(loss, penalties)`.

        `fake` defaults to a batch from fresh noise.
        """
        if fake is None:
            noise = self._noise(ops.shape(real)[0], self.seed_generator)
            fake = frozen_call(self.generator, self._generator_inputs(noise, labels))
        fake = ops.stop_gradient(fake)

        def loss_fn():
            loss, (real_scores, _, penalty_values) = self._discriminator_loss(real, fake, labels)
            return [loss], (real_scores, penalty_values)

        (loss,), (real_scores, penalty_values) = backend.minimize(
            loss_fn, [(self.discriminator.trainable_variables, self.compile_config.d_optimizer)]
        )
        self._update_augmenter(real_scores)
        return loss, penalty_values

    def _generator_update(self, real, labels):
        """One generator update with fresh noise; the discriminator runs frozen.

        `real` gives the batch size, and the real scores for a loss that asks for them.
        Returns the loss. The moving average is not updated here (`_train_step` does).
        """
        noise = self._noise(ops.shape(real)[0], self.seed_generator)

        def loss_fn():
            fake = self.generator(self._generator_inputs(noise, labels), training=True)
            fake_scores = self._critic(fake, labels, frozen=True)
            return [self._generator_loss(fake_scores, self._frozen_real_scores(real, labels))], None

        (loss,), _ = backend.minimize(
            loss_fn, [(self.generator.trainable_variables, self.compile_config.g_optimizer)]
        )
        return loss

    def _simultaneous_update(self, real, labels):
        """Both updates from one generator pass, as the TensorFlow DCGAN tutorial does.

        Returns `(d_loss, g_loss, penalties)`.
        """
        noise = self._noise(ops.shape(real)[0], self.seed_generator)

        def loss_fn():
            fake = self.generator(self._generator_inputs(noise, labels), training=True)
            d_loss, (real_scores, fake_scores, penalty_values) = self._discriminator_loss(
                real, fake, labels
            )
            g_loss = self._generator_loss(fake_scores, real_scores)
            return [d_loss, g_loss], (real_scores, penalty_values)

        (d_loss, g_loss), (real_scores, penalty_values) = backend.minimize(
            loss_fn,
            [
                (self.discriminator.trainable_variables, self.compile_config.d_optimizer),
                (self.generator.trainable_variables, self.compile_config.g_optimizer),
            ],
        )
        self._update_augmenter(real_scores)
        return d_loss, g_loss, penalty_values

    def _reuse_fakes_updates(self, real, labels):
        """`compile(reuse_fakes=True)`: the last discriminator update, then the
        generator update on that update's batch (the PyTorch DCGAN example's step).

        The batch comes from a recorded generator pass in training mode (its
        BatchNorm statistics move once per step, there); after the discriminator
        update, the updated discriminator's verdict on that same batch is pulled
        back through the recorded pass instead of generating a fresh batch. The
        discriminator runs frozen in the generator update.

        Returns `(d_loss, penalties, g_loss)`.
        """
        generator = self.generator
        variables = generator.trainable_variables
        noise = self._noise(ops.shape(real)[0], self.seed_generator)
        fake, pullback = backend.forward_with_pullback(
            lambda: generator(self._generator_inputs(noise, labels), training=True), variables
        )
        d_loss, penalty_values = self._discriminator_update(real, labels, fake=fake)

        # d g_loss / d fake through the updated, frozen discriminator, the loss scaled
        # as `backend.minimize` scales it (`apply` unscales).
        def scaled_loss(samples):
            fake_scores = self._critic(samples, labels, frozen=True)
            loss = self._generator_loss(fake_scores, self._frozen_real_scores(real, labels))
            return backend.scaled_loss(self.compile_config.g_optimizer, loss), loss

        cotangent, g_loss = backend.input_gradients(
            scaled_loss, ops.stop_gradient(fake), has_aux=True
        )
        if variables:  # none: a generator frozen after compile
            gradients = pullback(ops.stop_gradient(cotangent))
            backend.apply_gradients(self.compile_config.g_optimizer, gradients, variables)
        return d_loss, penalty_values, ops.stop_gradient(g_loss)

    def _generator_loss(self, fake_scores, real_scores):
        """The generator's loss from the scores of its batch.

        `real_scores` (the real batch's scores, or a function computing them) is read
        only by a loss whose `generator_needs_real_scores` is set; it is then a
        constant for the generator's gradient.
        """
        if not self.compile_config.loss.generator_needs_real_scores:
            return self.compile_config.loss.generator_loss(fake_scores)
        if callable(real_scores):
            real_scores = real_scores()
        return self.compile_config.loss.generator_loss(
            fake_scores, real_logits=ops.stop_gradient(real_scores)
        )

    def _frozen_real_scores(self, real, labels):
        """A function of no argument: the frozen discriminator's scores of `real`, as
        the generator's update sees its own batch (augmented when `augment` is on)."""
        return lambda: self._critic(real, labels, frozen=True)

    def _update_augmenter(self, real_scores):
        # keras_gan's augmenters have this method (a no-op but for ADA's `p`); a
        # user's layer or callable does not, and is left as it is.
        update = getattr(self.augmenter, "after_discriminator_update", None)
        if update is not None:
            update(real_scores, self.compile_config.loss)

    def _update_ema(self, images):
        """Updates the moving average after a step on `images` real images (float32).

        With `ema_half_life` `h`, the decay is `0.5 ** (images / max(h, 1e-8))`, `h`
        capped at `images_seen * ema_rampup` with a ramp-up (StyleGAN2-ADA's; the
        first step then copies the generator).
        """
        decay = self.ema_decay
        if self.ema_half_life is not None:
            half_life = ops.convert_to_tensor(self.ema_half_life)
            if self.ema_rampup is not None:
                seen = ops.cast(self.images_seen, "float32")
                half_life = ops.minimum(half_life, seen * self.ema_rampup)
            decay = ops.power(0.5, images / ops.maximum(half_life, 1e-8))
            self.ema_decay.assign(decay)
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            if weight.trainable:
                average.assign(decay * average + (1.0 - decay) * weight)
            else:  # BatchNorm statistics and other buffers are copied
                average.assign(weight)


def _augmenter_logs(augmenter):
    """What the augmenter logs each step (ADA: `augment_p`); a user's logs nothing."""
    logs = getattr(augmenter, "step_logs", None)
    return {} if logs is None else logs()
