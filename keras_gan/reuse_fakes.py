"""`compile(reuse_fakes=True)`: the alternating step with one generator pass.

The PyTorch DCGAN example's step. The last discriminator update of a step trains on
a fake batch from a recorded generator pass in training mode; the generator update
then pulls the updated discriminator's verdict on that same batch back through the
recorded pass instead of generating a fresh batch. The generator's BatchNorm
statistics move once per step (in that pass); the discriminator runs frozen in the
generator update. With `d_steps > 1` the earlier discriminator updates draw their
own batches from the frozen generator, as the default step does.
"""

from keras import ops

from keras_gan import backend


def last_updates(gan, real, labels):
    """The last discriminator update, then the generator update on its batch.

    Args:
        gan: the compiled `GAN`.
        real: the real batch.
        labels: its labels, or `None`.

    Returns:
        `(d_loss, penalties, g_loss)`; `penalties` maps each penalty that is on
        (`gradient_penalty`, `r1_penalty`, `r2_penalty`) to its value.
    """
    generator = gan.generator
    variables = generator.trainable_variables
    noise = gan._noise(ops.shape(real)[0], gan.seed_generator)
    fake, pullback = backend.forward_with_pullback(
        lambda: generator(gan._generator_inputs(noise, labels), training=True), variables
    )
    d_loss, penalties = gan._discriminator_update(real, labels, fake=fake)

    # d g_loss / d fake through the updated, frozen discriminator. Divided by the
    # replicas and scaled as `backend.minimize` does; `apply` unscales.
    replicas, _ = backend.replica_context()

    def scaled_loss(samples):
        loss = gan.gan_loss.generator_loss(gan._critic(samples, labels, frozen=True))
        return gan.g_optimizer.scale_loss(loss / replicas if replicas > 1 else loss), loss

    cotangent, g_loss = backend.input_gradients(scaled_loss, ops.stop_gradient(fake), has_aux=True)
    if variables:  # none: a generator frozen after compile
        gradients = pullback(ops.stop_gradient(cotangent))
        backend.apply_gradients(gan.g_optimizer, gradients, variables)
    return d_loss, penalties, ops.stop_gradient(g_loss)
