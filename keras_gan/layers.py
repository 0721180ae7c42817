"""Layers for GAN discriminators that Keras' own versions cannot serve on every backend."""

import keras

from keras_gan import _keras_internals


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralNormalization(keras.layers.SpectralNormalization):
    """`keras.layers.SpectralNormalization` that trains the same way on every backend.

    The same layer, the same arguments and the same saved weights as Keras' layer. Each
    training call makes `power_iterations` power iterations, stores the normalized
    kernel `W / sigma(W)` in the kernel (as Keras' layer does) and uses it. Its
    gradient is that of Keras' layer on TensorFlow: the loss's gradient with respect to
    the normalized kernel reaches the kernel as is, the normalization (the division by
    `sigma`) not differentiated; the optimizer then updates the stored, normalized
    kernel. Keras' own layer gives that gradient on TensorFlow only: on JAX it
    differentiates through the normalization, and on PyTorch a GAN step, which calls
    its discriminator more than once before differentiating, fails ("modified by an
    inplace operation"). Here the wrapped layer reads the normalized value with the
    kernel's own gradient (`stop_gradient(W / sigma) + W - stop_gradient(W)`), and on
    PyTorch reads it as a copy that later calls leave intact.

    Args:
        layer: a `keras.layers.Layer` with a `kernel` or `embeddings` weight.
        power_iterations: power iterations per training call. Defaults to `1`.
        **kwargs: passed to `keras.layers.SpectralNormalization`.
    """

    def call(self, inputs, training=False):
        if not training:
            return super().call(inputs, training=training)
        kernel = self.kernel.value
        new_vector_u, normalized = keras.ops.cond(
            keras.ops.all(keras.ops.equal(kernel, 0)),
            lambda: (self.vector_u.value, kernel),
            self.normalized_weights,
        )
        self.vector_u.assign(new_vector_u)
        # The normalized value, exactly (`W - stop_gradient(W)` is 0), whose gradient
        # goes to the kernel unchanged.
        read = keras.ops.stop_gradient(normalized) + (kernel - keras.ops.stop_gradient(kernel))
        if keras.config.backend() != "torch":
            self.kernel.assign(read)
            output = self.layer(inputs)
        else:
            self.kernel.assign(normalized)  # in place: a recorded pass must not read it
            with keras.StatelessScope(state_mapping=[(self.kernel, read)]):
                output = self.layer(inputs)
        return keras.ops.cast(output, inputs.dtype)


def check_spectral_normalization(model, name):
    """Refuses `keras.layers.SpectralNormalization` in `model` on PyTorch, naming the
    replacement (see `SpectralNormalization`)."""
    if keras.config.backend() != "torch":
        return
    for layer in _keras_internals.all_layers(model):
        if type(layer) is keras.layers.SpectralNormalization:
            raise ValueError(
                f"The {name} holds a keras.layers.SpectralNormalization layer "
                f"({layer.name!r}), which cannot train in a GAN on PyTorch: it changes its "
                "kernel in place on each call, and autograd refuses that between the "
                "discriminator's calls in one step. Use keras_gan.layers."
                "SpectralNormalization, the same layer with the same arguments and weights."
            )
