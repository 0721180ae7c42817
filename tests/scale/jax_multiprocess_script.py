"""One process of a JAX run over COUNT processes on loopback (COUNT=1: no distribution).

Usage: jax_multiprocess_script.py INDEX COUNT PORT WORKDIR PHASE. PHASE:

- `train`: a GAN fed a NumPy array pre-sharded per process (`auto_shard_dataset=False`),
  then a ConditionalGAN fed a `tf.data.Dataset` of global batches that Keras shards
  (`auto_shard_dataset=True`); both with ADA, EMA, R1, `d_steps=2` and BatchNorm, and
  `GANCheckpoint`, `ImageGrid` and `GANQuality` writing under `WORKDIR/pINDEX/`. Writes
  each model's final state and logs to `WORKDIR/{gan,cgan}_INDEX.npz`.
- `kill`: the GAN again, `GANCheckpoint(WORKDIR/ckpt)` shared by the processes; after
  batch `KILL_BATCH` of epoch `KILL_EPOCH` creates `WORKDIR/killpoint_INDEX` and
  sleeps, waiting for SIGKILL.
- `resume`: loads `GANCheckpoint.latest(WORKDIR/ckpt)` and finishes the run; writes
  `WORKDIR/resumed_INDEX.npz`.

Every process feeds its share of the same global batches of `GLOBAL_BATCH`.
"""

import os
import sys
import time

INDEX, COUNT, PORT, WORKDIR, PHASE = sys.argv[1:6]
INDEX, COUNT = int(INDEX), int(COUNT)
os.environ["KERAS_BACKEND"] = "jax"
import keras  # noqa: E402

if COUNT > 1:  # before anything runs on a JAX device
    keras.distribution.initialize(f"127.0.0.1:{PORT}", COUNT, INDEX)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "reliability"))
import model_zoo  # noqa: E402
from train_script import final_state  # noqa: E402

import keras_gan  # noqa: E402
from keras_gan.callbacks import GANCheckpoint  # noqa: E402
from keras_gan.callbacks import ImageGrid  # noqa: E402
from keras_gan.metrics import GANQuality  # noqa: E402

NUM_SAMPLES, GLOBAL_BATCH, EPOCHS = 64, 16, 2
KILL_EPOCH, KILL_BATCH = 1, 1
NUM_CLASSES = 3


def distribute(auto_shard):
    if COUNT > 1:
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(auto_shard_dataset=auto_shard)
        )


def compile_kwargs():
    # target -0.99: p grows at every adjustment (r_t > target), so the augmentations run.
    ada = keras_gan.augmentation.ADA(p=0.2, target=-0.99, interval=2, speed_images=500, seed=3)
    # SGD with momentum: a step proportional to the gradient, so that the last bits a
    # sum over another split of the batch changes stay small (Adam divides a near-zero
    # gradient by its own size and makes them a full learning-rate step).
    optimizers = [keras.optimizers.SGD(0.05, momentum=0.5) for _ in range(2)]
    return dict(optimizer=optimizers, d_steps=2, augment=ada, r1_penalty=1.0)


def build_gan():
    keras.utils.set_random_seed(0)
    gan = keras_gan.GAN(
        model_zoo.dense_generator(),
        model_zoo.dense_discriminator(dropout_seed=5),
        seed=1,
        ema_decay=0.9,
    )
    kwargs = compile_kwargs()
    gan.compile(*kwargs.pop("optimizer"), **kwargs)
    return gan


def build_cgan():
    keras.utils.set_random_seed(0)
    generator, discriminator = model_zoo.conditional_pair(NUM_CLASSES)
    gan = keras_gan.ConditionalGAN(generator, discriminator, NUM_CLASSES, seed=1, ema_decay=0.9)
    kwargs = compile_kwargs()
    gan.compile(*kwargs.pop("optimizer"), **kwargs)
    return gan


def share(array):
    """This process's share of every global batch of `array` (all of it in one process)."""
    batches = array.reshape((-1, COUNT, GLOBAL_BATCH // COUNT) + array.shape[1:])
    return batches[:, INDEX].reshape((-1,) + array.shape[1:])


def callbacks(name, real):
    folder = os.path.join(WORKDIR, f"p{INDEX}", name)
    quality = GANQuality(
        real,
        keras_gan.metrics.pixel_feature_extractor((4, 4, 1)),
        num_samples=24,
        kid_subsets=4,
        kid_subset_size=8,
        cache_dir=os.path.join(folder, "stats"),
    )
    return [
        quality,
        GANCheckpoint(os.path.join(folder, "ckpt")),
        ImageGrid(os.path.join(folder, "logs"), num_images=2),
    ]


def save(name, gan, history):
    state = final_state(gan)
    for key, values in history.items():
        state[f"log_{key}"] = np.asarray(values, dtype="float64")
    np.savez(os.path.join(WORKDIR, f"{name}_{INDEX}.npz"), **state)


class KillPoint(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == (KILL_EPOCH, KILL_BATCH):
            open(os.path.join(WORKDIR, f"killpoint_{INDEX}"), "w").close()
            print("KILLPOINT", flush=True)
            time.sleep(600)  # the test sends SIGKILL


def main():
    images = model_zoo.images(NUM_SAMPLES, seed=0)
    labels = (np.arange(NUM_SAMPLES) % NUM_CLASSES).astype("int32")
    fit = dict(epochs=EPOCHS, verbose=0)
    array_fit = dict(batch_size=GLOBAL_BATCH // COUNT, shuffle=False, **fit)
    if PHASE == "train":
        distribute(auto_shard=False)
        gan = build_gan()
        history = gan.fit(share(images), callbacks=callbacks("gan", images), **array_fit)
        save("gan", gan, history.history)

        distribute(auto_shard=True)
        cgan = build_cgan()
        dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(GLOBAL_BATCH)
        history = cgan.fit(dataset, callbacks=callbacks("cgan", (images, labels)), **fit)
        save("cgan", cgan, history.history)
    elif PHASE in ("kill", "resume"):
        distribute(auto_shard=False)
        directory = os.path.join(WORKDIR, "ckpt")
        path = GANCheckpoint.latest(directory)
        gan = keras.models.load_model(path) if path else build_gan()
        extra = [KillPoint()] if PHASE == "kill" else []
        history = gan.fit(
            share(images),
            initial_epoch=GANCheckpoint.latest_epoch(directory),
            callbacks=[GANCheckpoint(directory), *extra],
            **array_fit,
        )
        save("resumed", gan, history.history)
    else:
        raise ValueError(f"Expected a phase train|kill|resume. Received: {PHASE}")
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
