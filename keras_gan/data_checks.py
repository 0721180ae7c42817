"""Checks of the data given to `fit` and `evaluate`, made before the first step.

A bad batch would otherwise fail deep inside the traced training step, or not fail at
all (integer images, NaN pixels, labels out of range). `check_call_data` runs in
`GAN.fit`/`GAN.evaluate` before Keras starts: NumPy arrays and tensors are checked
whole (shape, dtype, finite values, non-empty, labels); a `tf.data.Dataset`, a
`keras.utils.PyDataset` and a torch `DataLoader` are checked on their first batch;
other iterables (Python generators) are not read ahead. `check_batch` repeats the
checks that need no values (structure, dtype, shape) on every batch as the step is
traced, so data that was not peeked at still fails with the same messages.

Every message says what was expected and what was received.
"""

import inspect
import sys

import keras
import numpy as np

from keras_gan import checks
from keras_gan import introspection

_SCAN_ELEMENTS = 1 << 22  # elements per block when scanning an array for NaN


# -------------------------------------------------------------------- entry points
def check_call_data(gan, method, args, kwargs):
    """Checks the data arguments of a `fit` or `evaluate` call before it starts.

    Args:
        gan: the `GAN` (or `ConditionalGAN`) being trained or evaluated.
        method: the bound Keras method (`fit` or `evaluate`) the arguments are for.
        args: its positional arguments.
        kwargs: its keyword arguments.
    """
    try:
        arguments = inspect.signature(method).bind(*args, **kwargs).arguments
    except TypeError:
        return  # Keras reports wrong arguments itself
    for name in ("sample_weight", "class_weight"):
        if arguments.get(name) is not None:
            raise ValueError(
                f"Expected no `{name}`: a GAN's losses compare real and generated "
                f"batches, which have no per-sample weights. Received: {name}="
                f"{_describe(arguments[name])}"
            )
    check_training_data(gan, arguments.get("x"), arguments.get("y"))
    validation_data = arguments.get("validation_data")
    if validation_data is not None:
        x, y, weights = keras.utils.unpack_x_y_sample_weight(validation_data)
        if weights is not None:
            check_no_sample_weights(weights, "validation_data")
        check_training_data(gan, x, y, names=("validation samples", "validation labels"))


def check_training_data(gan, x, y=None, *, names=("x", "y")):
    """Checks `fit(x, y)`-style data for `gan`, reading at most its first batch.

    Args:
        gan: the `GAN` the data is for; a model with `num_classes` (a
            `ConditionalGAN`) also gets its labels checked.
        x: the samples: an array or tensor, a `tf.data.Dataset`, a
            `keras.utils.PyDataset`, a torch `DataLoader`, or any other iterable
            (not read ahead).
        y: labels that go with an array `x`. Defaults to `None`.
        names: how messages name `x` and `y`. Defaults to `("x", "y")`.
    """
    if x is None:
        raise ValueError(
            f"Expected training data: an array of samples, a tf.data.Dataset, a "
            f"keras.utils.PyDataset or a torch DataLoader. Received: {names[0]}=None"
        )
    if _is_array(x) or isinstance(x, (dict, list, tuple)):
        _check_arrays(gan, x, y, names)
    elif _is_tf_dataset(x):
        _check_tf_dataset(gan, x)
    elif isinstance(x, keras.utils.PyDataset):
        _check_py_dataset(gan, x)
    elif _is_torch_data_loader(x):
        _check_torch_data_loader(gan, x)


def check_no_sample_weights(weights, source="a training batch"):
    """Refuses sample weights in a batch: a GAN's losses have none.

    Args:
        weights: the batch's sample weights (`None` passes).
        source: where the batch comes from, for the message. Defaults to
            `"a training batch"`.
    """
    if weights is not None:
        raise ValueError(
            "Expected no sample weights: a GAN's losses compare real and generated "
            "batches, which have no per-sample weights; yield samples (or samples, labels). "
            f"Received: a third element (sample weights) in {source}"
        )


def check_batch(
    gan, samples, labels, *, source="a training batch", label_source=None, dataset_hint=False
):
    """Checks the structure, dtype and shape of one batch; no values are read.

    Safe on symbolic tensors and on a `tf.data` element spec: `GAN` calls it on every
    batch as the step is traced.

    Args:
        gan: the `GAN` the batch is for.
        samples: the batch's samples.
        labels: its labels, or `None`.
        source: where the batch (or the samples) comes from, for the messages.
            Defaults to `"a training batch"`.
        label_source: where the labels come from, when not from `source`.
            Defaults to `None`, `source`.
        dataset_hint: whether single unbatched samples are reported as a dataset
            to batch. Defaults to `False`.
    """
    if samples is None:
        raise ValueError(f"Expected each batch to hold samples. Received: None in {source}")
    _check_structure(gan, samples, source)
    shape = _static_shape(samples)
    if (
        dataset_hint
        and shape is not None
        and introspection.shapes_compatible(introspection.as_shape(shape), gan.sample_shape)
    ):
        raise ValueError(
            f"Expected batches of samples of shape {_expected_shape(gan)}. Received: "
            f"single samples of shape {shape} in {source}; batch the dataset first "
            f"(`dataset.batch(64)`)"
        )
    _check_samples_spec(gan, shape, samples.dtype, source)
    if _is_conditional(gan):
        if labels is None:
            _raise_missing_labels(source)
        label_source = label_source or source
        _check_structure(gan, labels, label_source, what="the labels")
        _check_labels_spec(gan, _static_shape(labels), labels.dtype, label_source)


# ---------------------------------------------------------------- per data type
def _check_arrays(gan, x, y, names):
    check_batch(gan, x, y, source=names[0], label_source=names[1])
    _check_values(gan, _to_numpy(x), None if y is None else _to_numpy(y), names)


def _check_tf_dataset(gan, dataset):
    """Checks the element spec, then the first batch (read by a fresh iterator).

    The extra iterator runs the pipeline once for one batch. A dataset that reshuffles
    on each iteration (`shuffle(..., reshuffle_each_iteration=True)`, the default)
    draws one shuffle order for it, so `fit` sees the orders of the second and later
    iterations: runs stay reproducible, but differ from plain Keras on the same seed.
    """
    import tensorflow as tf

    source = "the first batch of the tf.data.Dataset"
    if int(dataset.cardinality()) == 0:
        raise ValueError(
            "Expected a tf.data.Dataset that yields at least one batch. Received: an "
            "empty dataset (cardinality 0)"
        )
    # Shapes and dtypes first: from the element spec, without reading anything.
    spec_x, spec_y, _ = keras.utils.unpack_x_y_sample_weight(dataset.element_spec)
    check_batch(gan, spec_x, spec_y, source=source, dataset_hint=True)
    try:
        element = next(iter(dataset.take(1)))
    except StopIteration:
        raise ValueError(
            "Expected a tf.data.Dataset that yields at least one batch. Received: a "
            "dataset that yields nothing"
        ) from None
    element = tf.nest.map_structure(lambda t: t.numpy() if isinstance(t, tf.Tensor) else t, element)
    _check_batch_values(gan, element, source)


def _check_py_dataset(gan, dataset):
    source = "the first batch of the PyDataset (dataset[0])"
    try:
        num_batches = dataset.num_batches
    except NotImplementedError:
        num_batches = None  # Keras reports this itself
    if num_batches == 0:
        raise ValueError("Expected a PyDataset with at least one batch. Received: num_batches=0")
    _check_first_batch(gan, dataset[0], source)


def _check_torch_data_loader(gan, loader):
    """Checks the loader's first batch, built from its first samples in the main process.

    The loader's own sampler and workers are not used, and torch's global random
    state is restored afterwards, so the check changes nothing about training.
    """
    import torch

    dataset = loader.dataset
    if isinstance(dataset, torch.utils.data.IterableDataset) or loader.batch_size is None:
        return
    try:
        size = len(dataset)
    except TypeError:
        return
    if size == 0:
        raise ValueError(
            "Expected a DataLoader over at least one sample. Received: an empty dataset"
        )
    with torch.random.fork_rng(devices=[]):
        batch = loader.collate_fn([dataset[i] for i in range(min(size, loader.batch_size))])
    batch = keras.tree.map_structure(_to_numpy, batch)
    _check_first_batch(gan, batch, "the first batch of the DataLoader")


def _check_first_batch(gan, batch, source):
    x, y, _ = keras.utils.unpack_x_y_sample_weight(batch)
    check_batch(gan, x, y, source=source)
    _check_batch_values(gan, batch, source)


def _check_batch_values(gan, batch, source):
    x, y, _ = keras.utils.unpack_x_y_sample_weight(batch)
    _check_values(gan, _to_numpy(x), None if y is None else _to_numpy(y), source)


def _check_values(gan, x, y, where):
    """Checks the values of NumPy samples `x` and labels `y` (`None` for a `GAN`).

    Args:
        gan: the `GAN` the data is for.
        x: the samples, of a checked dtype and shape.
        y: their labels, of a checked dtype and shape, or `None`.
        where: `(x_name, y_name)` for arrays given apart (`fit(x, y)`), or the
            source of one batch, for the messages.
    """
    apart = isinstance(where, tuple)
    x_name, y_name = where if apart else (where, where)
    if x.shape[0] == 0:
        received = f"{x_name} of shape {x.shape}" if apart else f"shape {x.shape} in {x_name}"
        raise ValueError(f"Expected at least one sample. Received: {received}")
    _check_finite(x, x_name)
    _check_range(gan, x, x_name)
    if not _is_conditional(gan):
        return
    if y.shape[0] != x.shape[0]:
        n, m = x.shape[0], y.shape[0]
        received = (
            f"{n} samples in {x_name} and {m} labels in {y_name}"
            if apart
            else f"{n} samples and {m} labels in {x_name}"
        )
        raise ValueError(f"Expected one label per sample. Received: {received}")
    check_label_values(gan, y, y_name)


# ------------------------------------------------------------------ the checks
def _check_structure(gan, value, source, what="the samples"):
    if isinstance(value, dict):
        hint = "(samples, labels)" if _is_conditional(gan) else "samples"
        raise ValueError(
            f"Expected {what} to be one array or tensor, not a dict: map the data to "
            f"{hint} first. Received: a dict with keys {sorted(value, key=str)} in {source}"
        )
    if isinstance(value, (list, tuple)):
        hint = (
            "give the labels separately, as `fit(samples, labels)`"
            if _is_conditional(gan)
            else "a GAN takes samples only"
        )
        raise ValueError(
            f"Expected {what} to be one array or tensor ({hint}). Received: a "
            f"{type(value).__name__} of {len(value)} element{'s' * (len(value) != 1)} in "
            f"{source}"
        )
    if not hasattr(value, "shape") or not hasattr(value, "dtype"):
        raise ValueError(
            f"Expected {what} to be an array or tensor. Received: an object of type "
            f"{type(value).__name__} in {source}"
        )


def _check_samples_spec(gan, shape, dtype, source):
    """Checks a dtype and a shape (`None`: unknown rank, not checked)."""
    expected = (
        "Expected floating-point samples: scale images to floats first, e.g. to [-1, 1] "
        "with `x.astype('float32') / 127.5 - 1` (for a generator ending in tanh)"
    )
    _check_dtype(dtype, keras.backend.is_float_dtype, expected, source)
    if shape is None:
        return
    shape = introspection.as_shape(shape)
    if not introspection.shapes_compatible(shape[1:], gan.sample_shape):
        hint = ""
        if len(shape) >= 1 and shape[1:] + (1,) == tuple(gan.sample_shape):
            hint = "; add the channel axis with `x[..., None]`"
        raise ValueError(
            f"Expected samples of shape {_expected_shape(gan)}, the generator's output "
            f"shape. Received: shape {shape} in {source}{hint}"
        )


def _check_labels_spec(gan, shape, dtype, source):
    """Checks a dtype and a shape (`None`: unknown rank, not checked)."""
    expected = f"Expected integer class labels in [0, {gan.num_classes})"
    _check_dtype(dtype, keras.backend.is_int_dtype, expected, source)
    if shape is None:
        return
    shape = introspection.as_shape(shape)
    if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
        raise ValueError(
            "Expected labels of shape (batch,) or (batch, 1): one class index per sample, "
            f"not one-hot. Received: shape {shape} in {source}"
        )


def check_label_values(gan, labels, source):
    """Checks that the NumPy array `labels` holds classes of `gan`, in `[0, num_classes)`.

    Args:
        gan: the `ConditionalGAN` the labels are for.
        labels: a NumPy array of labels.
        source: where the labels come from, for the message.
    """
    if labels.size == 0:
        return
    checks.check_label_range(labels.min(), labels.max(), gan.num_classes, where=f" in {source}")


def _check_finite(array, source):
    """Raises if `array` holds NaN or infinite values; scans in blocks to bound memory."""
    rows = max(1, _SCAN_ELEMENTS // max(1, int(np.prod(array.shape[1:]))))
    first, nan, inf = None, 0, 0
    for start in range(0, array.shape[0], rows):
        block = array[start : start + rows]
        finite = np.isfinite(block)
        if finite.all():
            continue
        if first is None:
            first = tuple(int(i) for i in np.argwhere(~finite)[0])
            first = (first[0] + start,) + first[1:]
        block_nan = int(np.isnan(block).sum())
        nan += block_nan
        inf += int((~finite).sum()) - block_nan
    if first is not None:
        raise ValueError(
            f"Expected finite samples. Received: {nan} NaN and {inf} infinite values in "
            f"{source}, the first at index {first}"
        )


def _check_range(gan, array, source):
    """Refuses samples far outside the generator's output range (tanh, sigmoid).

    The discriminator would tell real from generated by the scale alone. Values beyond
    the range by more than its width are refused ([0, 255] against a tanh), values
    near it are not (normalisation that overshoots a little).
    """
    bounds = introspection.output_range(gan.generator)
    if bounds is None or array.size == 0:
        return
    activation, low, high = bounds
    margin = high - low
    found_low, found_high = float(array.min()), float(array.max())
    if found_low < low - margin or found_high > high + margin:
        raise ValueError(
            f"Expected samples in [{low:g}, {high:g}], the output range of the generator's "
            f"final {activation}. Received: values from {found_low:g} to {found_high:g} in "
            f"{source}; scale 8-bit images with `{introspection.scaling_hint(activation)}`"
        )


def _describe(value):
    if hasattr(value, "shape"):
        return f"an array of shape {tuple(value.shape)}"
    return repr(value)


def _raise_missing_labels(source):
    raise ValueError(
        "Expected a ConditionalGAN's data to yield (samples, labels). Received: batches "
        f"of samples only, from {source}; give the labels as `fit(samples, labels)` or "
        "yield (samples, labels) tuples"
    )


# ------------------------------------------------------------------- helpers
def _is_conditional(gan):
    return getattr(gan, "num_classes", None) is not None


def _is_tf_dataset(x):
    if "tensorflow" not in sys.modules:
        return False
    import tensorflow as tf

    return isinstance(x, tf.data.Dataset)


def _is_torch_data_loader(x):
    if "torch" not in sys.modules:
        return False
    import torch

    return isinstance(x, torch.utils.data.DataLoader)


def _is_array(x):
    if isinstance(x, np.ndarray):
        return True
    module = type(x).__module__.split(".")[0]
    return module in ("tensorflow", "jax", "jaxlib", "torch") and hasattr(x, "shape")


def _to_numpy(x):
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach"):  # torch
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _static_shape(value):
    """`value.shape` as a tuple (`None` for unknown sizes); `None` if the rank is unknown."""
    try:
        return tuple(value.shape)
    except (TypeError, ValueError):  # a tf.TensorShape of unknown rank
        return None


def _expected_shape(gan):
    return "(" + ", ".join(["batch"] + [str(d) for d in gan.sample_shape]) + ")"


def _dtype_name(dtype):
    try:
        return keras.backend.standardize_dtype(dtype)
    except (ValueError, TypeError, AttributeError):
        return str(dtype)


def _check_dtype(dtype, accepts, expected, source):
    """Raises `expected` (a sentence) unless `accepts(dtype name)`, e.g. `is_int_dtype`."""
    name = _dtype_name(dtype)
    try:
        accepted = accepts(name)
    except ValueError:
        accepted = False
    if not accepted:
        raise ValueError(f"{expected}. Received: dtype={name} in {source}")
