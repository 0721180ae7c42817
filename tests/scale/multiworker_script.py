"""One worker of a 2-worker MultiWorkerMirroredStrategy run on loopback.

Usage: multiworker_script.py INDEX PORT0 PORT1 OUT.npz. Writes the worker's final
GAN weights and logged losses and scores to OUT.npz; its `GANCheckpoint`, `ImageGrid`
and `GANQuality` are given the folder OUT_files/.
"""

import json
import os
import sys

index, ports, out = int(sys.argv[1]), sys.argv[2:4], sys.argv[4]
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CONFIG"] = json.dumps(
    {
        "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
        "task": {"type": "worker", "index": index},
    }
)
import tensorflow as tf  # noqa: E402

strategy = tf.distribute.MultiWorkerMirroredStrategy()

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from model_zoo import dense_discriminator  # noqa: E402
from model_zoo import dense_generator  # noqa: E402
from model_zoo import images  # noqa: E402

import keras_gan  # noqa: E402
from keras_gan import _distribute  # noqa: E402
from keras_gan.callbacks import GANCheckpoint  # noqa: E402
from keras_gan.callbacks import ImageGrid  # noqa: E402
from keras_gan.metrics import GANQuality  # noqa: E402

keras.utils.set_random_seed(0)
with strategy.scope():
    # Synchronized BatchNorm: unsynchronized moving statistics are per worker by design.
    gan = keras_gan.GAN(
        dense_generator(synchronized=True),
        dense_discriminator(dropout=0, synchronized=True),
        seed=1,
    )
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))

options = tf.data.Options()
options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
dataset = tf.data.Dataset.from_tensor_slices(images(64)).batch(16).with_options(options)
folder = out[: -len(".npz")] + "_files"
callbacks = [
    GANQuality(images(32, seed=1), num_samples=16, kid_subsets=4, kid_subset_size=8),
    GANCheckpoint(os.path.join(folder, "ckpt")),
    ImageGrid(os.path.join(folder, "logs"), num_images=2),
]
history = gan.fit(dataset, epochs=2, verbose=0, callbacks=callbacks)
process = _distribute.process_info(gan)
received = _distribute.broadcast_from_chief({"a": 10.0 + index, "b": -float(index)}, gan)
weights = {f"w{i}": w for i, w in enumerate(gan.get_weights())}
np.savez(
    out,
    d_loss=np.array(history.history["d_loss"]),
    g_loss=np.array(history.history["g_loss"]),
    fd=np.array(history.history["fd"]),
    kid=np.array(history.history["kid"]),
    process=np.array(process),
    received=np.array([received["a"], received["b"]]),
    iterations=int(gan.g_optimizer.iterations.numpy()),
    **weights,
)
