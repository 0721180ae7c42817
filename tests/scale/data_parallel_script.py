"""JAX: the same GAN trained on one device and with keras.distribution.DataParallel
over 2 forced host devices. Prints one JSON line with both histories and the largest
weight difference. Run as a script: the device count is fixed when JAX starts."""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from model_zoo import dense_discriminator  # noqa: E402
from model_zoo import dense_generator  # noqa: E402
from model_zoo import images  # noqa: E402

import keras_gan  # noqa: E402


def train(distribution):
    keras.distribution.set_distribution(distribution)
    keras.utils.set_random_seed(0)
    gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0), seed=1)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), gradient_penalty=1.0)
    history = gan.fit(images(32), batch_size=16, epochs=2, verbose=0, shuffle=False)
    return history.history, gan.get_weights(), int(gan.g_optimizer.iterations.numpy())


single, single_weights, _ = train(None)
parallel, parallel_weights, iterations = train(
    keras.distribution.DataParallel(devices=jax.devices())
)
print(
    json.dumps(
        {
            "devices": len(jax.devices()),
            "single": single,
            "parallel": parallel,
            "iterations": iterations,
            "max_weight_diff": max(
                float(np.max(np.abs(a - b))) for a, b in zip(single_weights, parallel_weights)
            ),
        }
    )
)
