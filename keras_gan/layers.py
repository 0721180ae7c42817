"""Layers for GAN discriminators that Keras' own versions cannot serve on every backend."""

import keras

from keras_gan import _keras_internals


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralNormalization(keras.layers.SpectralNormalization):
    """`keras.layers.SpectralNormalization` that also trains in a GAN on PyTorch.

    The same layer, the same arguments, the same saved weights and, on TensorFlow and
    JAX, the same computation. Keras' layer writes the normalized kernel into the
    wrapped layer's kernel in place on each training call. A GAN step calls its
    discriminator more than once before differentiating (real and generated
    batches), and PyTorch's autograd refuses a tensor changed in place after a
    recorded use ("modified by an inplace operation"). Here, on PyTorch, the wrapped
    layer reads a copy of the normalized kernel, so a later call's normalization
    leaves the recorded pass intact; the gradient reaches the kernel unchanged, as on
    TensorFlow (the assignment is not differentiated through).

    Args:
        layer: a `keras.layers.Layer` with a `kernel` or `embeddings` weight.
        power_iterations: power iterations per training call. Defaults to `1`.
        **kwargs: passed to `keras.layers.SpectralNormalization`.
    """

    def call(self, inputs, training=False):
        if not training or keras.config.backend() != "torch":
            return super().call(inputs, training=training)
        new_vector_u, new_kernel = keras.ops.cond(
            keras.ops.all(keras.ops.equal(self.kernel.value, 0)),
            lambda: (self.vector_u.value, self.kernel.value),
            self.normalized_weights,
        )
        self.vector_u.assign(new_vector_u)
        self.kernel.assign(new_kernel)
        copy = self.kernel.value.clone()  # differentiable; never changed in place
        with keras.StatelessScope(state_mapping=[(self.kernel, copy)]):
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
