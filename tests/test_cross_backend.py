"""A .keras file saved under one Keras backend loads and trains under another."""

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
from model_zoo import images

_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def other_backend():
    current = keras.config.backend()
    for name, module in _MODULES.items():
        if name != current and importlib.util.find_spec(module) is not None:
            return name
    return None


SAVE_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import keras
    sys.path.insert(0, {tests!r})
    import keras_gan
    from model_zoo import conditional_pair, images
    keras.utils.set_random_seed(0)
    g, d = conditional_pair()
    gan = keras_gan.ConditionalGAN(g, d, num_classes=3, ema_decay=0.9)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), gradient_penalty=1.0)
    gan.fit(images(16), np.arange(16) % 3, batch_size=8, epochs=1, verbose=0)
    gan.save({path!r})
    z = np.load({noise!r})
    np.save({out!r}, gan.predict([z, np.array([0, 1, 2, 0])], verbose=0))
    """
)


@pytest.mark.skipif(other_backend() is None, reason="no second Keras backend installed")
def test_file_saved_under_another_backend_loads_and_trains(tmp_path):
    source = other_backend()
    path, noise, out = tmp_path / "gan.keras", tmp_path / "z.npy", tmp_path / "out.npy"
    np.save(noise, np.random.default_rng(0).standard_normal((4, 4)).astype("float32"))
    script = SAVE_SCRIPT.format(
        tests=str(Path(__file__).parent), path=str(path), noise=str(noise), out=str(out)
    )
    env = {**os.environ, "KERAS_BACKEND": source}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=300)

    gan = keras.models.load_model(path)
    z = np.load(noise)
    np.testing.assert_allclose(
        gan.predict([z, np.array([0, 1, 2, 0])], verbose=0), np.load(out), rtol=1e-4, atol=1e-5
    )
    assert int(gan.d_optimizer.iterations) == 2
    history = gan.fit(images(16), np.arange(16) % 3, batch_size=8, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"]))
    assert int(gan.g_optimizer.iterations) == 4
