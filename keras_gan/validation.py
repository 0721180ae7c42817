"""Checks of user input, made where the input enters (constructor, compile, first batch).

The one place for argument checks: the GAN's, the callbacks' and the metrics'
(`data_checks` checks the data given to `fit`, with these primitives).

Every message says what was expected and what was received.
"""

import math
import numbers
import os
import warnings

import keras

from keras_gan import _keras_internals


def is_int_at_least(value, minimum):
    """Whether `value` is an integer (not a bool) >= `minimum`: the one integer check."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def _shape(shape):
    return tuple(None if d is None else int(d) for d in shape)


def _compatible(a, b):
    """Whether two shapes agree, `None` matching any size."""
    if len(a) != len(b):
        return False
    return all(x is None or y is None or x == y for x, y in zip(a, b))


def check_model(model, role):
    """Checks that `model` is a built Keras layer or model."""
    if not isinstance(model, keras.Layer):
        raise ValueError(
            f"Expected `{role}` to be a Keras model. Received: {role}={model!r} "
            f"of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"Expected a built {role}: start it with `keras.Input(...)` or call "
            f"`{role}.build(input_shape)` first. Received: an unbuilt model "
            f"{model.name!r} with no known input shape"
        )


def declared_input_shapes(model):
    """The model's declared input shapes as a list, or None when it declares none."""
    try:
        shapes = model.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [_shape(s) for s in shapes]
    return [_shape(shapes)]


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
    return _shape(spec.shape)


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


def warn_discriminator_mismatch(discriminator, gan_loss, gradient_penalty):
    """Warns about a discriminator that the loss or the penalty will misread.

    A discriminator ending in a sigmoid under a cross-entropy loss with
    `from_logits=True` has its probabilities read as logits; a gradient penalty on a
    critic with BatchNormalization penalises gradients that depend on the whole batch
    (Gulrajani et al., 2017, arXiv:1704.00028, sec. 4, advise layer normalisation).
    """
    bounds = output_range(discriminator)
    if bounds is not None and bounds[0] == "sigmoid" and getattr(gan_loss, "from_logits", False):
        warnings.warn(
            "The discriminator ends in a sigmoid, but `compile` got `from_logits=True`: "
            "its probabilities will be read as logits. Pass `from_logits=False`, or "
            "remove the sigmoid.",
            stacklevel=3,
        )
    if gradient_penalty > 0 and any(
        isinstance(layer, keras.layers.BatchNormalization) for layer in _all_layers(discriminator)
    ):
        warnings.warn(
            "A gradient penalty with a BatchNormalization critic: each sample's gradient "
            "then depends on the whole batch, which the penalty does not account for "
            "(the WGAN-GP paper advises LayerNormalization, or no normalisation, in the "
            "critic).",
            stacklevel=3,
        )


def _all_layers(model):
    """Every layer in `model`, nested models' layers included."""
    for layer in getattr(model, "layers", ()):
        yield layer
        yield from _all_layers(layer)


def check_trainable_since_compile(models, current, compiled):
    """Checks each network trains what its optimizer was built for at `compile`.

    A network frozen whole (`trainable = False`) is allowed, with a warning: it does
    not train. Any other change needs a new `compile`, with fresh optimizers, which
    are built for the variables trainable then.

    Args:
        models: `[discriminator, generator]`.
        current: per model, the ids of its trainable variables now.
        compiled: per model, the ids of its trainable variables at `compile`.
    """
    roles = ("discriminator", "generator")
    for role, model, now, then in zip(roles, models, current, compiled):
        if now and now != then:
            raise ValueError(
                f"Expected the {role}'s trainable variables to be those it had at "
                f"`compile` ({len(then)}): after changing `trainable` on some of its "
                "layers, call compile() again with new optimizers. Received: "
                f"{len(now)} trainable variables in {model.name!r}"
            )
    frozen = [role for role, now in zip(roles, current) if not now]
    if len(frozen) == 2:
        raise ValueError(
            "Expected at least one network to train. Received: the discriminator and "
            "the generator both frozen (trainable=False)"
        )
    if frozen:
        other = roles[1 - roles.index(frozen[0])]
        warnings.warn(
            f"The {frozen[0]} is frozen (it has no trainable variable): only the {other} trains.",
            stacklevel=4,
        )


def check_latent_dim(generator, latent_dim, expected_inputs):
    """Returns the latent size: `latent_dim`, or the generator's first input size."""
    shapes = declared_input_shapes(generator)
    if shapes is not None and len(shapes) != expected_inputs:
        what = "one input (noise)" if expected_inputs == 1 else "two inputs [noise, labels]"
        raise ValueError(
            f"Expected the generator to take {what}. Received: input_shape="
            f"{shapes if len(shapes) > 1 else shapes[0]}"
        )
    declared = None
    if shapes is not None:
        noise_shape = shapes[0]
        if len(noise_shape) != 2:
            raise ValueError(
                "Expected the generator's noise input to have shape (batch, latent_dim). "
                f"Received: input_shape={noise_shape}"
            )
        declared = noise_shape[-1]
    if latent_dim is None:
        if declared is None:
            raise ValueError(
                "Expected `latent_dim` when the generator declares no input shape. "
                "Received: latent_dim=None"
            )
        return declared
    if not is_int_at_least(latent_dim, 1):
        raise ValueError(
            f"Expected `latent_dim` to be a positive integer. Received: latent_dim={latent_dim!r}"
        )
    if declared is not None and declared != latent_dim:
        raise ValueError(
            f"Expected `latent_dim` to match the generator's input size {declared}. "
            f"Received: latent_dim={latent_dim}, generator input_shape=(None, {declared})"
        )
    return int(latent_dim)


def check_sample_shapes(sample_shape, discriminator):
    """Checks the generator's output against the discriminator's declared input."""
    shapes = declared_input_shapes(discriminator)
    if shapes is None:
        return
    if not _compatible(sample_shape, shapes[0]):
        raise ValueError(
            "Expected the generator's output to match the discriminator's input. "
            f"Received: generator output_shape={sample_shape}, discriminator "
            f"input_shape={shapes[0]}"
        )


def check_score_shape(score_shape):
    """Checks the discriminator returns one score per sample."""
    if len(score_shape) == 1 or (len(score_shape) == 2 and score_shape[1] == 1):
        return
    raise ValueError(
        "Expected the discriminator to output one score per sample, shape (batch, 1) "
        f"or (batch,). Received: output_shape={score_shape}"
    )


def check_optimizer(optimizer, name):
    """Returns a Keras optimizer from an instance, name or config."""
    if optimizer is None:
        raise ValueError(
            f"Expected `{name}` to be a Keras optimizer (an instance or a name such as "
            f"'adam'). Received: {name}=None"
        )
    try:
        return keras.optimizers.get(optimizer)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"Expected `{name}` to be a Keras optimizer (an instance or a name such as "
            f"'adam'). Received: {name}={optimizer!r}"
        ) from e


def check_d_steps(d_steps):
    if not is_int_at_least(d_steps, 1):
        raise ValueError(f"Expected `d_steps` to be an integer >= 1. Received: d_steps={d_steps!r}")
    return int(d_steps)


UPDATE_MODES = ("alternating", "simultaneous")


def check_update(update, d_steps):
    if update not in UPDATE_MODES:
        raise ValueError(
            f"Expected `update` to be one of {list(UPDATE_MODES)}. Received: update={update!r}"
        )
    if update == "simultaneous" and d_steps != 1:
        raise ValueError(
            "Expected `d_steps=1` with `update='simultaneous'` (both networks update once "
            f"from the same generator pass). Received: d_steps={d_steps}"
        )
    return update


def check_reuse_fakes(reuse_fakes, update):
    if not isinstance(reuse_fakes, bool):
        raise ValueError(
            f"Expected `reuse_fakes` to be True or False. Received: reuse_fakes={reuse_fakes!r}"
        )
    if reuse_fakes and update != "alternating":
        raise ValueError(
            "Expected `update='alternating'` with `reuse_fakes=True` (the generator update "
            f"reuses the discriminator update's batch). Received: update={update!r}"
        )
    return bool(reuse_fakes)


def check_label_smoothing(value, loss=None):
    """Returns `value` as a float in [0, 1); checks that `loss` supports it."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        value = math.nan
    if not 0.0 <= value < 1.0:
        raise ValueError(
            "Expected `label_smoothing` to be a float in [0, 1). "
            f"Received: label_smoothing={value!r}"
        )
    if value > 0.0 and loss is not None and not loss.supports_label_smoothing:
        raise ValueError(
            "Expected `label_smoothing=0` with this loss: real targets have no meaning "
            "for it (label smoothing applies to 'minimax', 'non_saturating' and "
            f"'least_squares'). Received: label_smoothing={value}, loss={loss!r}"
        )
    return value


def check_gradient_penalty(value):
    return check_penalty_weight(value, "gradient_penalty")


def check_num_classes(num_classes):
    if not is_int_at_least(num_classes, 2):
        raise ValueError(
            f"Expected `num_classes` to be an integer >= 2. Received: num_classes={num_classes!r}"
        )
    return int(num_classes)


def check_ema_decay(value):
    if value is None:
        return None
    try:
        decay = float(value)
    except (TypeError, ValueError):
        decay = math.nan
    if not 0.0 < decay < 1.0:
        raise ValueError(
            f"Expected `ema_decay` to be None or a float in (0, 1). Received: ema_decay={value!r}"
        )
    return decay


def check_keras_file(filepath):
    """Returns `filepath` as a `str` if it is a complete `.keras` model archive.

    Tells apart what `keras.models.load_model` reports as "File not found" or a
    `KeyError`: no path (as `GANCheckpoint.latest` returns for an empty directory),
    a directory, an empty file, a zip archive cut off before its end (a write that
    was killed), a file that is no zip archive, and a zip archive that is no Keras
    model. Nothing is loaded or deserialized.

    Args:
        filepath: path of a `.keras` file (str or os.PathLike).
    """
    import json
    import zipfile

    if filepath is None:
        raise ValueError(
            "Expected the path of a `.keras` file. Received: None (`GANCheckpoint.latest` "
            "returns None for a directory that holds no checkpoint)"
        )
    try:
        path = os.fspath(filepath)
    except TypeError:
        path = None
    if not isinstance(path, str):
        raise ValueError(
            f"Expected the path of a `.keras` file (str or os.PathLike). Received: "
            f"filepath={filepath!r} of type {type(filepath).__name__}"
        )
    if os.path.isdir(path):
        raise ValueError(
            f"Expected a `.keras` file. Received: the directory {path!r}; for a "
            "GANCheckpoint directory, load `GANCheckpoint.latest(directory)`"
        )
    if not os.path.exists(path):
        raise FileNotFoundError(f"Expected an existing `.keras` file. Received: {path!r}")
    if not path.endswith(".keras"):
        raise ValueError(f"Expected a file name ending in `.keras`. Received: {path!r}")
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError(f"Expected a `.keras` model archive. Received: {path!r}, an empty file")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(4)
        if head == b"PK\x03\x04":
            raise ValueError(
                f"Expected a complete `.keras` zip archive. Received: {path!r} ({size} "
                "bytes), a zip archive cut off before its end, as a write that did not "
                "finish leaves it"
            )
        raise ValueError(
            f"Expected a `.keras` model archive (a zip file). Received: {path!r}, which is "
            f"not a zip archive (it starts with {head!r})"
        )
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if "config.json" not in names:
            raise ValueError(
                f"Expected a Keras model archive holding config.json. Received: {path!r}, a "
                f"zip archive of {sorted(names)[:5]}"
            )
        try:
            json.loads(archive.read("config.json"))
        except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
            raise ValueError(
                f"Expected config.json in a `.keras` archive to be JSON. Received: {path!r}, "
                f"whose config.json does not parse ({e})"
            ) from e
    return path


# ------------------------------------------------- callbacks and metrics
def check_positive_int(value, name):
    if not is_int_at_least(value, 1):
        raise ValueError(f"Expected `{name}` to be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_kid_subset_size(value, name):
    """A KID subset size: the unbiased MMD^2 averages over pairs of distinct samples."""
    if not is_int_at_least(value, 2):
        raise ValueError(
            f"Expected `{name}` to be an integer >= 2 (KID averages the kernel over pairs of "
            f"distinct samples of a subset). Received: {name}={value!r}"
        )
    return int(value)


def check_path(value, name):
    """Returns `value` as a `str` path."""
    try:
        path = os.fspath(value)
    except TypeError:
        path = None
    if not isinstance(path, str) or not path:
        raise ValueError(
            f"Expected `{name}` to be a directory path (str or os.PathLike). "
            f"Received: {name}={value!r}"
        )
    return path


def check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ValueError(f"Expected `seed` to be an integer or None. Received: seed={seed!r}")
    return None if seed is None else int(seed)


def check_bool(value, name):
    if not isinstance(value, bool):
        raise ValueError(f"Expected `{name}` to be True or False. Received: {name}={value!r}")
    return value


def check_gan(model, callback):
    """Checks, when training starts, that a callback was given to a keras_gan model."""
    from keras_gan.gan import GAN

    if not isinstance(model, GAN):
        raise ValueError(
            f"Expected `{callback}` to be used in the `fit` of a keras_gan.GAN or "
            f"keras_gan.ConditionalGAN. Received: a model of type {type(model).__name__}"
        )


def check_callable(model, role):
    if model is not None and not callable(model):
        raise ValueError(
            f"Expected `{role}` to be a Keras model or a callable mapping a batch to "
            f"(batch, d) outputs. Received: {role}={model!r} of type {type(model).__name__}"
        )
    if isinstance(model, keras.Model):
        try:
            shape = model.output_shape
        except (AttributeError, ValueError):  # not built yet: checked on the first batch
            return model
        if not (isinstance(shape, tuple) and len(shape) == 2):
            raise ValueError(
                f"Expected `{role}` to output (batch, d) values, one vector per sample. "
                f"Received: {role} {model.name!r} with output shape {shape}"
            )
    return model


def check_penalty_weight(value, name):
    try:
        weight = float(value)
    except (TypeError, ValueError):
        weight = math.nan
    if not (math.isfinite(weight) and weight >= 0.0):
        raise ValueError(f"Expected `{name}` to be a finite float >= 0. Received: {name}={value!r}")
    return weight


def check_penalties_compile(penalty_weights, jit_compile, run_eagerly):
    """Refuses a gradient penalty with `jit_compile=True` on PyTorch.

    Args:
        penalty_weights: dict of the penalties' names to their weights.
        jit_compile: the `jit_compile` given to `compile`.
        run_eagerly: the `run_eagerly` given to `compile` (which turns `jit_compile` off).
    """
    if keras.config.backend() != "torch" or jit_compile is not True or run_eagerly:
        return
    on = [f"{name}={weight!r}" for name, weight in penalty_weights.items() if weight > 0]
    if on:
        raise ValueError(
            "Expected `jit_compile=False` (the default on PyTorch) with a gradient penalty "
            "on the PyTorch backend: the penalty's gradient is a gradient of a gradient, "
            "which torch.compile (aot_autograd) does not support. Received: "
            f"jit_compile=True with {', '.join(on)}"
        )


def check_penalty_every(value):
    if not is_int_at_least(value, 1):
        raise ValueError(
            f"Expected `penalty_every` to be an integer >= 1. Received: penalty_every={value!r}"
        )
    return int(value)


def check_adaptive_augment(augmenter, gan_loss):
    """Refuses adaptive ADA with a loss whose scores have no real/fake boundary.

    ADA steers `p` by the share of real scores above the loss's `decision_boundary`;
    a Wasserstein critic's scores are defined up to a constant, so that share means
    nothing there.
    """
    from keras_gan.augmentation import ADA

    if isinstance(augmenter, ADA) and augmenter.adaptive and gan_loss.decision_boundary is None:
        raise ValueError(
            "Expected a loss with a real/fake decision boundary for adaptive "
            "augmentation (ADA steers `p` by the share of real scores above it). "
            f"Received: loss={gan_loss!r}, whose scores have none (`decision_boundary` "
            "is None). Fix `p` with `augment=keras_gan.augmentation.ADA(p=0.2, "
            'adaptive=False)`, use `augment="diffaugment"`, or give a custom GANLoss a '
            "`decision_boundary`."
        )


def check_augment_jit(augmenter, jit_compile):
    """Refuses `jit_compile=True` with an augmentation layer XLA cannot compile.

    Keras reads `supports_jit` on every layer of the model (the augmenter is one):
    `"auto"` then compiles without XLA; `True` is refused here rather than failing
    inside `fit`.
    """
    if jit_compile is not True or not isinstance(augmenter, keras.layers.Layer):
        return
    for layer in _keras_internals.all_layers(augmenter):
        if not layer.supports_jit:
            raise ValueError(
                f"Expected `jit_compile=False` or `'auto'` with this augmentation: its layer "
                f"`{layer.name}` ({type(layer).__name__}) cannot be compiled with XLA on "
                f"the {keras.config.backend()} backend (`supports_jit` is False). Received: "
                "jit_compile=True"
            )
