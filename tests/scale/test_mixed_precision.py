"""mixed_float16 (dynamic loss scaling for both optimizers) and mixed_bfloat16."""

import warnings

import keras
import numpy as np
import pytest
from model_zoo import changed
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot

import keras_gan


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


def build(**compile_kwargs):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    gan.compile(
        compile_kwargs.pop("d_optimizer", keras.optimizers.Adam(1e-3)),
        keras.optimizers.Adam(1e-3),
        gradient_penalty=1.0,
        **compile_kwargs,
    )
    return gan


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_mixed_precision_trains_with_float32_weights(policy):
    gan = build()
    compute = policy.split("_")[1]
    scaled = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer) == scaled
    history = gan.fit(images(32), batch_size=8, epochs=2, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    assert all(v.dtype == "float32" for v in gan.generator.trainable_variables)
    samples = gan.generator(gan.sample_noise(2, seed=0))
    assert keras.backend.standardize_dtype(samples.dtype) == compute
    assert gan.generate(3).shape == (3, 4, 4, 1)


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_overflowing_steps_are_skipped_not_applied(policy):
    """A loss scale of 2**60 overflows float16 gradients: the step is skipped, the
    weights stay finite and unchanged, and the scale comes down."""
    overflow = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(1e-3), initial_scale=2.0**60
    )
    gan = build(d_optimizer=overflow)
    assert gan.d_optimizer is overflow  # already wrapped: kept as given
    before = snapshot(gan.discriminator.trainable_variables)
    gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    assert changed(before, snapshot(gan.discriminator.trainable_variables)) == []
    assert float(keras.ops.convert_to_numpy(overflow.dynamic_scale)) < 2.0**60
    assert all(
        np.all(np.isfinite(keras.ops.convert_to_numpy(v))) for v in gan.discriminator.weights
    )


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_mixed_precision_gan_saves_and_loads(policy, tmp_path):
    gan = build()
    gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored = keras.models.load_model(tmp_path / "gan.keras")
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    assert isinstance(restored.d_optimizer, keras.optimizers.LossScaleOptimizer)
    for name in ("d_optimizer", "g_optimizer"):
        saved, loaded = getattr(gan, name).variables, getattr(restored, name).variables
        assert len(saved) == len(loaded)
        assert changed(snapshot(saved), snapshot(loaded)) == []
