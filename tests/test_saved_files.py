"""`.keras` files written by an earlier keras_gan load, generate and train in this one.

The files in `tests/fixtures/` were written by `tests/fixtures/make_saved_gans.py` from an
older checkout (its `.npz` beside each file says which); they are never rewritten to make
this test pass.
"""

import ast
import os

import keras
import numpy as np
import pytest

import keras_gan

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
SETTINGS = ("d_steps", "update", "reuse_fakes", "label_smoothing", "augment", "r1_penalty")


def _load(name):
    record = np.load(os.path.join(FIXTURES, f"{name}.npz"))
    gan = keras.models.load_model(os.path.join(FIXTURES, f"{name}.keras"))
    return gan, record


@pytest.mark.parametrize("name", ["gan", "conditional_gan"])
def test_an_older_file_generates_the_same_samples(name):
    gan, record = _load(name)
    assert isinstance(gan, keras_gan.ConditionalGAN if "conditional" in name else keras_gan.GAN)
    inputs = record["noise"]
    if "labels" in record:
        inputs = [inputs, record["labels"].astype("int32")]
    samples = keras.ops.convert_to_numpy(gan.sampling_generator(inputs, training=False))
    np.testing.assert_allclose(samples, record["samples"], atol=1e-5)


@pytest.mark.parametrize("name", ["gan", "conditional_gan"])
def test_an_older_file_keeps_its_settings_and_variables(name):
    gan, record = _load(name)
    saved = ast.literal_eval(str(record["compile_config"]))
    loaded = gan.get_compile_config()
    for key in SETTINGS:
        assert loaded[key] == pytest.approx(saved[key]), key
    assert loaded["loss"]["class_name"] == saved["loss"]["class_name"]
    for role in ("d_optimizer", "g_optimizer"):
        assert loaded[role]["class_name"] == saved[role]["class_name"]
    paths = {v.path for v in gan.variables}
    missing = [p for p in record["variable_paths"].tolist() if p not in paths]
    assert missing == []


@pytest.mark.parametrize("name", ["gan", "conditional_gan"])
def test_an_older_file_trains_on(name):
    gan, record = _load(name)
    steps_before = int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations))
    assert steps_before > 0  # the optimizers' state came back
    x = np.random.default_rng(0).uniform(-1, 1, (16,) + gan.sample_shape).astype("float32")
    data = (x, np.arange(16) % 3) if "labels" in record else (x,)
    history = gan.fit(*data, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == steps_before + 2
