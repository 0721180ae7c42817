"""Trains the same GAN on one device and under MirroredStrategy on 2 logical CPUs.

Prints one JSON line: both histories and the largest weight difference. Run as a
script (logical devices must be configured before TensorFlow starts).
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"
import tensorflow as tf  # noqa: E402

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from model_zoo import dense_discriminator  # noqa: E402
from model_zoo import dense_generator  # noqa: E402
from model_zoo import images  # noqa: E402

import keras_gan  # noqa: E402

LOSS = sys.argv[1] if len(sys.argv) > 1 else "non_saturating"
GRADIENT_PENALTY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
REUSE_FAKES = len(sys.argv) > 3 and sys.argv[3] == "reuse_fakes"
AUGMENT = sys.argv[4] if len(sys.argv) > 4 else "none"


def build():
    # Dropout and BatchNorm off: per-replica batch statistics differ from a single
    # device's by design (keras' BatchNormalization(synchronized=True) syncs them).
    gan = keras_gan.GAN(
        dense_generator(batch_norm=False, sample_shape=SHAPE),
        dense_discriminator(batch_norm=False, dropout=0, sample_shape=SHAPE),
        seed=1,
        # Each step's decay from the global batch and the images seen (compared below
        # through the moving average's weights and `images_seen`).
        ema_half_life=20,
        ema_rampup=0.5,
    )
    # ADA from p=0.5, adapting every update, so that both its draws and its p count.
    augment = {
        "none": None,
        "ada": keras_gan.augmentation.ADA(p=0.5, interval=1, speed_images=64, seed=3),
        "diffaugment": "diffaugment",
    }[AUGMENT]
    # SGD, whose step is proportional to the gradient: a gradient summed over replicas
    # without the 1/replicas scaling would show (Adam would normalise it away).
    gan.compile(
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1),
        loss=LOSS,
        gradient_penalty=GRADIENT_PENALTY,
        reuse_fakes=REUSE_FAKES,
        augment=augment,
    )
    return gan


SHAPE = (4, 4, 1)
keras.utils.set_random_seed(0)
single = build()
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    mirrored = build()
mirrored.set_weights(single.get_weights())

data = images(32, SHAPE)
kwargs = dict(batch_size=16, epochs=2, verbose=0, shuffle=False)
h_single = single.fit(data, **kwargs).history
h_mirrored = mirrored.fit(data, **kwargs).history
weight_diff = max(
    float(np.max(np.abs(a - b))) for a, b in zip(single.get_weights(), mirrored.get_weights())
)
print(
    json.dumps(
        {
            "replicas": strategy.num_replicas_in_sync,
            "single": h_single,
            "mirrored": h_mirrored,
            "max_weight_diff": weight_diff,
            "d_iterations": int(mirrored.d_optimizer.iterations.numpy()),
            "images_seen": [int(m.images_seen.numpy()) for m in (single, mirrored)],
            "augment_p": [
                float(np.asarray(m.augmenter.p))
                for m in (single, mirrored)
                if isinstance(m.augmenter, keras_gan.augmentation.ADA)
            ],
        }
    )
)
