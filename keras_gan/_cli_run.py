"""A `keras-gan train` run: its saved settings, its data order and its length in images.

`keras-gan train --resume RUN_DIR` continues a run exactly: it reads the settings the
run saved (`RUN_DIR/args.json`), and the run's in-memory images come in an order that
depends on the seed and the epoch alone (`epoch_stream`), so a resumed run sees from
its first batch on the batches the uninterrupted run would have seen. The schedules by
images need the run's length, counted as the images the run will see (`run_images`).
"""

import json
import math
import os

#: The file of a run's settings, in its run directory.
SETTINGS_FILE = "args.json"
#: `train`'s settings that are not saved: the resumed command gives its own.
UNSAVED = ("command", "argv", "resume", "quiet", "verbose")


def save_settings(run_dir, args, *, command):
    """Writes `args`' train settings to `run_dir/args.json` atomically.

    Args:
        run_dir: the run directory, created if missing.
        args: the parsed `train` arguments.
        command: the commands that made the run, the first one first.
    """
    from keras_gan.callbacks import _files

    settings = {k: v for k, v in sorted(vars(args).items()) if k not in UNSAVED}
    path = os.path.join(run_dir, SETTINGS_FILE)
    with _files.atomic_path(path) as temp:
        with open(temp, "w") as f:
            json.dump({"settings": settings, "command": command}, f, indent=2)
            f.write("\n")


def forget_settings(run_dir):
    """Removes `run_dir/args.json` (a run that failed before its first checkpoint)."""
    path = os.path.join(run_dir, SETTINGS_FILE)
    if os.path.isfile(path):
        os.remove(path)


def load_settings(run_dir):
    """`(settings, command)` saved by `save_settings` in `run_dir`.

    Raises:
        ValueError: naming what is missing when `run_dir` holds no readable settings.
    """
    path = os.path.join(run_dir, SETTINGS_FILE)
    if not os.path.isdir(run_dir):
        raise ValueError(
            f"Expected --resume to name a run directory of `keras-gan train`. Received: "
            f"{run_dir!r}, which is not a folder"
        )
    if not os.path.isfile(path):
        raise ValueError(
            f"Expected a run directory of `keras-gan train` holding {SETTINGS_FILE} (the "
            f"run's settings). Received: --resume {run_dir!r}, which has no {SETTINGS_FILE}"
        )
    try:
        with open(path) as f:
            saved = json.load(f)
        settings, command = dict(saved["settings"]), list(saved["command"])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(
            f"Expected {SETTINGS_FILE} as `keras-gan train` writes it. Received: {path!r}, "
            f"which cannot be read: {type(e).__name__}: {e}"
        ) from e
    settings = {k: v for k, v in settings.items() if k not in UNSAVED}
    if isinstance(settings.get("background"), list):  # R,G,B: a tuple, saved as a list
        settings["background"] = tuple(settings["background"])
    return settings, command


def batches_per_pass(count, batch_size):
    """Batches in one pass over `count` images, the last one partial."""
    return math.ceil(count / batch_size)


def images_in(batches, count, batch_size):
    """Images in the first `batches` batches of passes over `count` images.

    Each pass ends with a partial batch when `batch_size` does not divide `count`.
    """
    per_pass = batches_per_pass(count, batch_size)
    passes, rest = divmod(batches, per_pass)
    return passes * count + rest * batch_size


def run_images(epochs, count, batch_size, steps_per_epoch):
    """The real images a run of `epochs` epochs sees.

    Args:
        epochs: the run's epochs.
        count: the training images.
        batch_size: images per batch.
        steps_per_epoch: batches per epoch, drawn from passes over the data one after
            the other; `None`: one pass per epoch.
    """
    if steps_per_epoch is None:
        return epochs * count
    return images_in(epochs * steps_per_epoch, count, batch_size)


def epoch_stream(images, batch_size, seed, start_batch):
    """A `tf.data.Dataset` of batches of `images` from batch `start_batch` of the run on.

    The run's batches are passes over the images one after the other, pass `p` in the
    order `tf.random.experimental.stateless_shuffle` draws from `(seed, p)`, cut into
    batches of `batch_size`, the last one partial. The order is thus a function of
    `seed` and the batch's place in the run alone: a resumed run starts its stream at
    the batch it stopped at (`start_batch`, the epochs done times the batches per
    epoch) and sees what the uninterrupted run would have seen. The stream is endless:
    give `fit` its `steps_per_epoch`.

    Args:
        images: a NumPy array of the images.
        batch_size: images per batch.
        seed: int seed of the order.
        start_batch: the batches of the run already trained on.
    """
    import tensorflow as tf

    count = len(images)
    first_pass, offset = divmod(start_batch, batches_per_pass(count, batch_size))
    seed = tf.constant(seed, tf.int64)

    def one_pass(p):
        order = tf.random.experimental.stateless_shuffle(tf.range(count), tf.stack([seed, p]))
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    def gather(indices):
        batch = tf.numpy_function(lambda i: images[i], [indices], tf.as_dtype(images.dtype))
        batch.set_shape((None, *images.shape[1:]))
        return batch

    stream = tf.data.Dataset.counter(first_pass).flat_map(one_pass).skip(offset)
    return stream.map(gather).prefetch(2)
