"""What keras_gan reads from the user's models: declared shapes, output shapes and ranges.

Answers questions about a model without changing it; the checks that act on the
answers are in `keras_gan.checks` and `keras_gan.data_checks`.
"""

import keras

from keras_gan import _keras_internals


def as_shape(shape):
    """`shape` as a tuple of ints, `None` kept for an unknown size."""
    return tuple(None if d is None else int(d) for d in shape)


def shapes_compatible(a, b):
    """Whether two shapes agree, `None` matching any size."""
    if len(a) != len(b):
        return False
    return all(x is None or y is None or x == y for x, y in zip(a, b))


def declared_input_shapes(model):
    """The model's declared input shapes as a list, or None when it declares none."""
    try:
        shapes = model.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [as_shape(s) for s in shapes]
    return [as_shape(shapes)]


def _concrete(spec):
    shape = tuple(2 if d is None else d for d in spec.shape)
    return keras.ops.zeros(shape, dtype=spec.dtype)


def output_spec(model, inputs, role, received):
    """Returns the output shape of `model` on symbolic `inputs`.

    Falls back to one call on a batch of 2 zeros for models that cannot be traced
    symbolically (some subclassed models); a failure is reported with both shapes.
    """
    try:
        spec = model.compute_output_spec(inputs, training=False)
    except Exception:
        try:
            concrete = keras.tree.map_structure(_concrete, inputs)
            spec = model(concrete, training=False)
        except Exception as e:  # the model's own error text is kept in the message
            raise ValueError(
                f"Expected the {role} to accept {received}. Calling it failed with: "
                f"{type(e).__name__}: {e}"
            ) from e
        spec = keras.tree.map_structure(
            lambda t: keras.KerasTensor((None,) + tuple(t.shape)[1:]), spec
        )
    if isinstance(spec, (list, tuple, dict)):
        raise ValueError(f"Expected the {role} to return one tensor. Received: {len(spec)} outputs")
    return as_shape(spec.shape)


# Activations whose output is bounded, with the bounds and how to scale 8-bit images to them.
_BOUNDED_ACTIVATIONS = {
    "tanh": (-1.0, 1.0, "x / 127.5 - 1"),
    "sigmoid": (0.0, 1.0, "x / 255"),
}
# Layers that move or drop values but produce none outside their input's range.
_RANGE_PRESERVING_LAYERS = (
    keras.layers.Reshape,
    keras.layers.Flatten,
    keras.layers.Permute,
    keras.layers.Cropping1D,
    keras.layers.Cropping2D,
    keras.layers.Cropping3D,
    keras.layers.UpSampling1D,
    keras.layers.UpSampling2D,
    keras.layers.UpSampling3D,
    keras.layers.Identity,
    keras.layers.Dropout,
)


def output_range(model):
    """`(activation name, low, high)` bounding `model`'s output, or None when unknown.

    Read from the last layer of a Sequential or Functional model (through layers that
    only reshape, crop or repeat values, and into a nested model) when it ends in a
    tanh or sigmoid; a subclassed model, a merge or any other last layer: None.
    """
    if not _is_layer_graph(model):
        return None
    for layer in reversed(model.layers):
        if isinstance(layer, _RANGE_PRESERVING_LAYERS):
            continue
        if isinstance(layer, keras.Model):
            return output_range(layer)
        activation = getattr(layer, "activation", None)
        name = getattr(activation, "__name__", None)
        if name in _BOUNDED_ACTIVATIONS:
            low, high, _ = _BOUNDED_ACTIVATIONS[name]
            return name, low, high
        return None
    return None


def scaling_hint(activation):
    """How to scale 8-bit images into the output range of `activation` (a name)."""
    return _BOUNDED_ACTIVATIONS[activation][2]


def _is_layer_graph(model):
    """Whether `model.layers` runs in order, input to output (Sequential, Functional)."""
    if isinstance(model, keras.Sequential):
        return True
    return _keras_internals.is_functional(model) and len(model.outputs) == 1


def contains_layer(model, layer_type):
    """Whether `model`, or any layer nested in it, is a `layer_type`."""
    return any(isinstance(layer, layer_type) for layer in _keras_internals.all_layers(model))
