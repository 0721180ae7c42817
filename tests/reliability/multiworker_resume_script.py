"""One worker of a 2-worker MultiWorkerMirroredStrategy run on loopback, for kill-and-resume.

Usage: multiworker_resume_script.py INDEX PORT0 PORT1 WORKDIR PHASE, PHASE one of:

- `train`: 3 epochs uninterrupted; writes WORKDIR/train_INDEX.npz (weights, iterations);
- `kill`: the same with `GANCheckpoint(WORKDIR/ckpt)`; after the 2nd batch of epoch 3 it
  writes WORKDIR/killpoint_INDEX and waits to be killed;
- `resume`: loads `GANCheckpoint.latest(WORKDIR/ckpt)` under the strategy and trains to
  epoch 3; writes WORKDIR/resume_INDEX.npz.
"""

import json
import os
import sys
import time

index, ports, workdir, phase = int(sys.argv[1]), sys.argv[2:4], sys.argv[4], sys.argv[5]
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
from keras_gan.callbacks import GANCheckpoint  # noqa: E402

EPOCHS = 3
ckpt = os.path.join(workdir, "ckpt")


class KillPoint(keras.callbacks.Callback):
    """After batch 2 of epoch 3, says so in a file and waits for SIGKILL."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 2 and batch == 1:
            with open(os.path.join(workdir, f"killpoint_{index}"), "w") as f:
                f.write("killed")
            time.sleep(600)


keras.utils.set_random_seed(0)
with strategy.scope():
    if phase == "resume":
        gan = keras.models.load_model(GANCheckpoint.latest(ckpt))
    else:
        # Synchronized BatchNorm: unsynchronized moving statistics are per worker by design.
        gan = keras_gan.GAN(
            dense_generator(synchronized=True),
            dense_discriminator(dropout=0, synchronized=True),
            seed=1,
            ema_decay=0.9,
        )
        gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))

options = tf.data.Options()
options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
dataset = tf.data.Dataset.from_tensor_slices(images(64)).batch(16).with_options(options)
callbacks = {"train": [], "kill": [GANCheckpoint(ckpt), KillPoint()]}.get(
    phase, [GANCheckpoint(ckpt)]
)
initial_epoch = GANCheckpoint.latest_epoch(ckpt) if phase == "resume" else 0
gan.fit(dataset, epochs=EPOCHS, initial_epoch=initial_epoch, verbose=0, callbacks=callbacks)
np.savez(
    os.path.join(workdir, f"{phase}_{index}.npz"),
    initial_epoch=initial_epoch,
    iterations=int(gan.g_optimizer.iterations.numpy()),
    d_iterations=int(gan.d_optimizer.iterations.numpy()),
    seed_state=np.asarray(keras.ops.convert_to_numpy(gan.seed_generator.state)),
    **{f"w{i}": w for i, w in enumerate(gan.get_weights())},
)
