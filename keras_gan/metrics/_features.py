"""Running a feature extractor or classifier over a batch, in chunks, and the
base of the metrics that compare real and generated features (private)."""

import keras
import numpy as np

from keras_gan import checks


def outputs(model, samples, *, batch_size, role):
    """Returns `model(samples)` as a float64 `(n, d)` array, `None` for `samples=None`.

    `model=None` flattens each sample instead. The model is called on chunks of
    `batch_size` samples.
    """
    if samples is None:
        return None
    if model is None:
        values = np.asarray(keras.ops.convert_to_numpy(samples), dtype="float64")
        if values.ndim < 2:
            raise ValueError(
                "Expected a batch of samples or features, shape (batch, ...). "
                f"Received: shape {values.shape}"
            )
        values = values.reshape(values.shape[0], -1)
        if not np.isfinite(values).all():
            raise ValueError(
                "Expected finite samples: without a feature extractor they are the features. "
                f"Received: {_non_finite(values)}"
            )
        return values
    if isinstance(samples, (list, tuple)):
        samples = np.asarray(samples)
    n = int(samples.shape[0])
    if n == 0:
        return None
    # A Keras model runs through `predict_on_batch` (compiled once per chunk shape,
    # without the data pipeline that `predict` builds on every call).
    call = model.predict_on_batch if isinstance(model, keras.Model) else model
    chunks = [
        keras.ops.convert_to_numpy(call(samples[i : i + batch_size]))
        for i in range(0, n, batch_size)
    ]
    values = np.concatenate(chunks)
    values = np.asarray(values, dtype="float64")
    if values.ndim != 2 or values.shape[0] != n:
        raise ValueError(
            f"Expected the {role} to map a batch of {n} samples to outputs of shape "
            f"({n}, d). Received: output shape {values.shape}"
        )
    if not np.isfinite(values).all():
        raise ValueError(
            f"Expected finite outputs from the {role}. Received: {_non_finite(values)}"
        )
    return values


def _non_finite(values):
    """Says how many NaN and infinite values `values` (n, d) holds, in how many rows."""
    finite = np.isfinite(values)
    rows = int((~finite).any(axis=1).sum())
    return (
        f"{int(np.isnan(values).sum())} NaN and {int(np.isinf(values).sum())} infinite "
        f"values in {rows} of {len(values)} samples"
    )


def serialize(model, role):
    """A Keras model's config for a metric's `get_config` (`None` stays `None`)."""
    if model is None:
        return None
    if not isinstance(model, keras.Layer):
        raise ValueError(
            f"Expected `{role}` to be a Keras model to serialize the metric. Received: "
            f"{role}={model!r} of type {type(model).__name__}"
        )
    return keras.saving.serialize_keras_object(model)


def deserialize(config, key):
    """Returns `config` with the model under `key` deserialized."""
    config = dict(config)
    if config.get(key) is not None:
        config[key] = keras.saving.deserialize_keras_object(config[key])
    return config


class RealGeneratedMetric(keras.metrics.Metric):
    """A host-side metric over the features of real and of generated samples.

    Subclasses create, in `reset_state`, `self._real` and `self._generated`: stores with
    `add(features)` (a float64 `(n, d)` array) and `count` (the samples they hold).
    """

    def __init__(self, feature_extractor, *, batch_size, name, dtype):
        super().__init__(name=name, dtype=dtype)
        self.feature_extractor = checks.check_callable(feature_extractor, "feature_extractor")
        self.batch_size = checks.check_positive_int(batch_size, "batch_size")

    def update_state(self, real=None, generated=None):
        """Adds a batch of real and/or generated samples (either may be `None`)."""
        for samples, store in ((real, self._real), (generated, self._generated)):
            features = outputs(
                self.feature_extractor,
                samples,
                batch_size=self.batch_size,
                role="feature extractor",
            )
            if features is not None and features.shape[0]:
                store.add(features)

    def _check_counts(self):
        real, generated = self._real.count, self._generated.count
        if real < 2 or generated < 2:
            raise ValueError(
                "Expected at least 2 real and 2 generated samples before `result()`. "
                f"Received: {real} real and {generated} generated"
            )

    def get_config(self):
        return {
            **super().get_config(),
            "feature_extractor": serialize(self.feature_extractor, "feature_extractor"),
            "batch_size": self.batch_size,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize(config, "feature_extractor"))
