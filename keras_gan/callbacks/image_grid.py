"""`ImageGrid`: one grid of samples from fixed noise per epoch, to TensorBoard and PNG."""

import importlib.util
import os

import keras
import numpy as np

from keras_gan import _distribute
from keras_gan import checks
from keras_gan import images
from keras_gan.callbacks import _checks
from keras_gan.callbacks import _files
from keras_gan.conditional_gan import ConditionalGAN


class ImageGrid(keras.callbacks.Callback):
    """Writes a grid of generated images every `every_n_epochs` epochs.

    The noise is drawn once, from `seed`, and reused at every epoch (and in every
    `fit` call), so successive grids show how the same latent vectors evolve. The
    noise is `gan.sample_noise(num_images, seed=seed)`: the grid shows
    `gan.generate(num_images, seed=seed)`. Samples come from `gan.sampling_generator`
    (the moving-average generator when `ema_decay` is on), called with
    `training=False`.

    For a `ConditionalGAN` the grid has one row per class (row `c` is class `c`) and
    `num_images` columns; column `j` uses the same noise in every row.

    Each grid goes to TensorBoard as the image `"generated"` in `log_dir/train`, the
    run where `keras.callbacks.TensorBoard(log_dir)` writes its training scalars (one
    run per experiment: the Images tab shows the grids next to the losses), at step
    `epoch`, the 0-based epoch index (epoch N of the progress bar is step N - 1, the
    step of the epoch scalars), and, with `save_png`, to
    `log_dir/samples/epoch_NNNN.png`, where `NNNN` is the number of epochs completed
    (1-based, as in the progress bar and in `GANCheckpoint`'s file names).

    When several processes train (JAX's `keras.distribution` across processes,
    TensorFlow's `MultiWorkerMirroredStrategy`), every process draws the grid (the
    weights are the same on all) and only process 0 (TensorFlow's chief) writes it.

    Args:
        log_dir: directory of the TensorBoard logs (the `log_dir` of
            `keras.callbacks.TensorBoard` works). No default.
        num_images: images in the grid; for a conditional GAN, images per class.
            Defaults to `16`.
        every_n_epochs: write after every `every_n_epochs`-th epoch. Defaults to `1`.
        seed: integer seed of the fixed noise; `None` draws it once from the model's
            sampling noise when training starts. Defaults to `0`.
        save_png: also write a PNG file per grid. Defaults to `True`.
        value_range: the `(low, high)` range of the generator's output, mapped to
            pixels 0..255 with clipping: `(-1, 1)` for `tanh`, `(0, 1)` for `sigmoid`.
            Defaults to `(-1, 1)`.

    Example:
    ```python
    gan.fit(images, epochs=20, callbacks=[
        keras.callbacks.TensorBoard("runs/dcgan"),
        keras_gan.callbacks.ImageGrid("runs/dcgan", num_images=16),
    ])
    # tensorboard --logdir runs/dcgan; PNGs in runs/dcgan/samples/
    ```
    """

    def __init__(
        self,
        log_dir,
        num_images: int = 16,
        every_n_epochs: int = 1,
        seed: int | None = 0,
        save_png: bool = True,
        value_range=(-1, 1),
    ):
        super().__init__()
        self.log_dir = checks.check_path(log_dir, "log_dir")
        self.num_images = checks.check_positive_int(num_images, "num_images")
        self.every_n_epochs = checks.check_positive_int(every_n_epochs, "every_n_epochs")
        self.seed = checks.check_seed(seed)
        self.save_png = checks.check_bool(save_png, "save_png")
        self.value_range = images.check_value_range(value_range)
        if importlib.util.find_spec("tensorboard") is None:
            raise ImportError(
                "ImageGrid writes TensorBoard images with `tf.summary`, which needs the "
                "`tensorboard` package. Install it with `pip install tensorboard`."
            )
        self._inputs = None
        self._writer = None

    def on_train_begin(self, logs=None):
        _checks.check_gan(self.model, "ImageGrid")
        shape = tuple(self.model.sample_shape)
        if not (len(shape) == 2 or (len(shape) == 3 and shape[-1] in (1, 3, 4))):
            raise ValueError(
                "Expected a generator of images, shape (height, width) or (height, width, "
                f"channels) with 1, 3 or 4 channels. Received: sample_shape={shape}"
            )
        if self._inputs is None:
            self._inputs = self._fixed_inputs()
        if self._writer is None and _distribute.is_chief(self.model):
            import tensorflow as tf  # tf.summary, as keras.callbacks.TensorBoard uses

            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self._write(epoch)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _fixed_inputs(self):
        gan = self.model
        noise = gan.sample_noise(self.num_images, seed=self.seed)
        if not isinstance(gan, ConditionalGAN):
            return noise
        labels = np.repeat(np.arange(gan.num_classes, dtype="int32"), self.num_images)
        labels = labels.reshape((-1,) + tuple(gan.label_shape[1:]))
        return [np.tile(noise, (gan.num_classes, 1)), labels]

    def _grid(self):
        """Returns the current grid, a `uint8` array `(height, width, channels)`."""
        samples = self.model.sampling_generator(self._inputs, training=False)
        conditional = isinstance(self.model, ConditionalGAN)
        ncols = self.num_images if conditional else None
        return images.make_grid(samples, self.value_range, ncols=ncols)

    def _write(self, epoch):
        """Writes the current grid for the 0-based `epoch` to TensorBoard (and PNG)."""
        import tensorflow as tf

        grid = self._grid()
        if self._writer is None:  # not process 0
            return
        with self._writer.as_default():
            tf.summary.image("generated", grid[None], step=epoch)
        self._writer.flush()
        if self.save_png:
            path = os.path.join(self.log_dir, "samples", f"epoch_{epoch + 1:04d}.png")
            with _files.atomic_path(path) as temp:
                images.save_png(grid, temp)
