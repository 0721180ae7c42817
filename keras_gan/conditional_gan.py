"""`ConditionalGAN`: a GAN whose generator and discriminator also see class labels."""

import keras
import numpy as np
from keras import ops

from keras_gan import _distribute
from keras_gan import backend
from keras_gan import checks
from keras_gan import data_checks
from keras_gan import introspection
from keras_gan.gan import GAN
from keras_gan.gan import _check_count


@keras.saving.register_keras_serializable(package="keras_gan")
class ConditionalGAN(GAN):
    """A class-conditional GAN (Mirza & Osindero, 2014, arXiv:1411.1784).

    The generator is called as `generator([noise, labels])` and the discriminator as
    `discriminator([samples, labels])`, labels being integers in `[0, num_classes)`
    of shape `(batch,)` or `(batch, 1)` (whichever the generator's label input
    declares). Training data yields `(samples, labels)`; generated batches use the
    labels of the real batch.

    Args:
        generator: a built Keras model taking `[noise, labels]`.
        discriminator: a built Keras model taking `[samples, labels]` and returning one
            score per sample.
        num_classes: number of classes, at least 2.
        latent_dim: size of the noise vector. Defaults to `None` (read from the
            generator's first input).
        seed: int seed of the model's noise. Defaults to `None`.
        **kwargs: passed to `GAN` (`ema_decay`: when on, `generate`, `predict` and
            `cgan([noise, labels])` use the averaged generator) and `keras.Model`.

    Example:
    ```python
    cgan = keras_gan.ConditionalGAN(generator, discriminator, num_classes=10)
    cgan.compile(keras.optimizers.Adam(2e-4), keras.optimizers.Adam(2e-4))
    cgan.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(64))
    sevens = cgan.generate(8, labels=[7] * 8)
    ```
    """

    _num_generator_inputs = 2

    def __init__(
        self, generator, discriminator, num_classes, latent_dim=None, *, seed=None, **kwargs
    ):
        self.num_classes = checks.check_num_classes(num_classes)
        shapes = introspection.declared_input_shapes(generator)
        self.label_shape = shapes[1] if shapes is not None and len(shapes) > 1 else (None,)
        if len(self.label_shape) > 2 or (len(self.label_shape) == 2 and self.label_shape[1] != 1):
            raise ValueError(
                "Expected the generator's label input to have shape (batch,) or (batch, 1). "
                f"Received: input_shape={self.label_shape}"
            )
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        # [lowest, highest] label of the batches trained on since the last check, where
        # the step cannot fail itself (JAX); not saved.
        self._label_range = keras.Variable(
            [0, 0], trainable=False, dtype="int32", name="label_range"
        )

    def _check_shapes(self):
        noise = keras.KerasTensor((None, self.latent_dim))
        labels = keras.KerasTensor(self.label_shape, dtype="int32")
        sample_shape = introspection.output_spec(
            self.generator,
            [noise, labels],
            "generator",
            f"[noise of shape {noise.shape}, labels of shape {labels.shape}]",
        )
        shapes = introspection.declared_input_shapes(self.discriminator)
        if shapes is not None and len(shapes) != 2:
            raise ValueError(
                "Expected the discriminator to take two inputs [samples, labels]. "
                f"Received: input_shape={shapes if len(shapes) > 1 else shapes[0]}"
            )
        checks.check_sample_shapes(sample_shape, self.discriminator)
        score_shape = introspection.output_spec(
            self.discriminator,
            [keras.KerasTensor(sample_shape), labels],
            "discriminator",
            f"[the generator's output, shape {sample_shape}, labels]",
        )
        checks.check_score_shape(score_shape)
        return sample_shape[1:]

    def _labels(self, labels):
        labels = ops.cast(labels, "int32")
        return ops.reshape(labels, (-1,) + tuple(self.label_shape[1:]))

    def _generator_inputs(self, noise, labels):
        return [noise, self._labels(labels)]

    def _discriminator_inputs(self, samples, labels):
        return [samples, self._labels(labels)]

    def _real_samples(self, data):
        samples, labels = super()._real_samples(data)
        # Every batch, not only those that fit read ahead (a generator, a later batch).
        labels = ops.convert_to_tensor(labels)
        return samples, backend.check_labels(labels, self.num_classes, self._label_range)

    def _transient_variables(self):
        return [self._label_range]

    def _check_recorded_labels(self, trained=True):
        low, high = (int(v) for v in ops.convert_to_numpy(self._label_range))
        self._label_range.assign([0, 0])
        remedy = (
            " (the weights were updated on those batches: restore them from a checkpoint)"
            if trained
            else ""
        )
        checks.check_label_range(
            low, high, self.num_classes, every_batch=True, where=f" since the last check{remedy}"
        )

    def _unpack(self, data):
        samples, labels = super()._unpack(data)
        if labels is None:
            raise ValueError(
                "Expected a ConditionalGAN's data to yield (samples, labels). "
                "Received: batches of samples only"
            )
        return samples, labels

    def _call_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "Expected [noise, labels] as the ConditionalGAN's input. "
                f"Received: {type(inputs).__name__}"
            )
        noise, labels = inputs
        if not isinstance(labels, keras.KerasTensor):
            values = backend.concrete(labels)
            if values is not None:
                data_checks.check_label_values(self, values, "the ConditionalGAN's input")
            else:  # traced (`predict`): checked in the step, or recorded on JAX
                labels = backend.check_labels(
                    ops.convert_to_tensor(labels), self.num_classes, self._label_range
                )
        return self._generator_inputs(noise, labels)

    def predict(self, x, *args, **kwargs):
        # Labels out of range would index past the label embedding: NaN on JAX, an
        # indexing error elsewhere. Arrays are checked whole before Keras starts; batches
        # of other data as they are predicted (on JAX, once `predict` ends).
        if isinstance(x, (list, tuple)) and len(x) == 2:
            self._call_inputs(x)
        return self._checking_recorded_labels(super().predict, (x, *args), kwargs, trained=False)

    def generate(self, n: int, labels=None, seed=None, batch_size: int = 256) -> np.ndarray:
        """Returns `n` generated samples as a NumPy array.

        Args:
            n: number of samples.
            labels: `n` integer labels in `[0, num_classes)`. Defaults to `None`, which
                cycles through the classes (`0, 1, ..., num_classes - 1, 0, ...`).
            seed: int for reproducible samples. Defaults to `None`.
            batch_size: samples per generator call. Defaults to `256`.

        Returns:
            Array of shape `(n,) + sample_shape`.
        """
        n = _check_count(n)
        if labels is None:
            labels = np.arange(n) % self.num_classes
        labels = np.asarray(labels).reshape(-1)
        if labels.shape[0] != n:
            raise ValueError(f"Expected {n} labels. Received: {labels.shape[0]} labels")
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"Expected integer labels. Received: dtype={labels.dtype}")
        data_checks.check_label_values(self, labels, "`labels`")
        noise = self.sample_noise(n, seed)
        return _distribute.predict(self, [noise, labels.astype("int32")], batch_size)

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Exports the generator, as `GAN.export`, its SavedModel refusing bad labels.

        With `format="tf_saved_model"`, the artifact's `serve` and `serving_default`
        raise `InvalidArgumentError` ("Expected labels in [0, num_classes). Received:
        labels from LOW to HIGH") for labels out of range, as `cgan.predict` does, rather
        than indexing past the label embedding (silently on JAX and GPUs). A
        `format="torch"` artifact has no label check.
        """
        result = super().export(
            filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )
        if format == "tf_saved_model":
            _add_label_check(filepath, self.num_classes)
        return result

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def _add_label_check(filepath, num_classes):
    """Rewrites the SavedModel at `filepath` so that it checks its labels first.

    The generator as Keras exported it (a jax2tf function on JAX) is kept whole, called
    by a `serve` (and `serving_default`) that first asserts the labels' range.
    """
    import os
    import shutil
    import tempfile

    import tensorflow as tf

    exported = tf.saved_model.load(filepath)
    (inputs,), _ = exported.serve.concrete_functions[0].structured_input_signature
    labels_index = 1  # `generator([noise, labels])`
    expected = checks.label_range_expected(num_classes)

    def checked(values):
        labels = values[labels_index]
        low, high = tf.reduce_min(labels), tf.reduce_max(labels)
        in_range = tf.logical_or(
            tf.equal(tf.size(labels), 0),
            tf.logical_and(low >= 0, high < tf.cast(num_classes, labels.dtype)),
        )
        check = tf.debugging.Assert(
            in_range, [f"{expected}. Received: labels from", low, "to", high]
        )
        with tf.control_dependencies([check]):
            return exported.serve(values)

    module = tf.Module()
    module.exported = exported
    module.serve = tf.function(checked, input_signature=[inputs])
    module.serving_default = tf.function(
        lambda *values: {"output_0": checked(list(values))}, input_signature=inputs
    )
    folder = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(filepath)) or None)
    try:
        default = module.serving_default.get_concrete_function()
        # Serving needs no gradients (jax2tf's custom ones cannot be saved again).
        options = tf.saved_model.SaveOptions(experimental_custom_gradients=False)
        tf.saved_model.save(
            module, folder, signatures={"serving_default": default}, options=options
        )
        shutil.rmtree(filepath)
        os.replace(folder, filepath)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
