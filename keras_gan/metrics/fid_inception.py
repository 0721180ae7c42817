"""`fid_inception_extractor`: the 2015 TensorFlow Inception network of published FIDs."""

import os

import keras
import numpy as np

from keras_gan import backend
from keras_gan.metrics import _torch_checkpoint

#: pytorch-fid's port of the `inception-2015-12-05` graph (torch-fidelity ships the
#: same file under another name), and its SHA-256.
WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth"
)
WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
#: The resize protocols: TF1's `resize_bilinear` of the original FID code (also
#: torch-fidelity's and StyleGAN2-ADA's), and clean-fid's PIL bicubic.
RESIZE_MODES = ("legacy_tensorflow", "clean")
#: The network's input side, and its name in reports and `scores.json`.
SIZE = 299
FEATURES_NAME = "fid_inception_2015"


def _keras_home():
    """Keras' cache folder: `$KERAS_HOME`, else `~/.keras` (`/tmp/.keras` when the home
    folder is read-only), as `keras.utils.get_file` picks it."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")


def weights_cache_path(file_name=WEIGHTS_FILE):
    """Where the downloaded weights are kept: `~/.keras/models/pt_inception-...pth`."""
    return os.path.join(_keras_home(), "models", file_name)


# --------------------------------------------------------------------------- resizing
def _bicubic(t):
    """PIL's bicubic kernel (a = -0.5)."""
    a = -0.5
    t = keras.ops.abs(t)
    near = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
    far = (((t - 5.0) * t + 8.0) * t - 4.0) * a
    return keras.ops.where(t < 1.0, near, keras.ops.where(t < 2.0, far, 0.0))


def resize_matrix(in_size, out_size, mode):
    """The `(out_size, in_size)` float32 matrix of a 1-D resize; `in_size` may be a
    traced scalar.

    `"legacy_tensorflow"`: TF1's `resize_bilinear(align_corners=False)` without half-pixel
    centres: output pixel `o` reads `o * in / out`, between its two neighbours (the last
    input pixel repeated past the end). `"clean"`: PIL's bicubic resample: output pixel `o`
    is centred on `(o + 0.5) * in / out`, the kernel widened by `in / out` when shrinking
    (antialiasing), its weights normalised over the pixels inside the image.
    """
    length = keras.ops.cast(in_size, "float32")
    out = float(out_size)
    inputs = keras.ops.cast(keras.ops.arange(in_size), "float32")[None, :]
    outputs = keras.ops.cast(keras.ops.arange(out_size), "float32")[:, None]
    if mode == "legacy_tensorflow":
        # In float32 as TF1 computes it (`float(out) * (float(in) / out)`): its rounding
        # moves a 300 -> 299 resize by up to 0.01 of 255.
        source = keras.ops.minimum(outputs * (length / out), length - 1.0)
        return keras.ops.maximum(1.0 - keras.ops.abs(inputs - source), 0.0)
    # PIL computes in float64. The offsets between input and output pixel centres as
    # (integer numerator) / out: the numerators are exact in float32, so each weight
    # carries one rounding, not the error of a float32 coordinate hundreds of pixels long.
    offset = ((2.0 * inputs + 1.0) * out - (2.0 * outputs + 1.0) * length) / (2.0 * out)
    weights = _bicubic(offset / keras.ops.maximum(length / out, 1.0))
    return weights / keras.ops.sum(weights, axis=1, keepdims=True)


def resize(images, mode, size=SIZE):
    """Resizes float images `(n, h, w, c)` with values in [0, 255] to `size` x `size`
    as the protocol `mode` does (`RESIZE_MODES`); clean-fid clips the bicubic result
    to [0, 255]."""
    shape = keras.ops.shape(images)
    rows = resize_matrix(shape[1], size, mode)
    columns = resize_matrix(shape[2], size, mode)
    images = keras.ops.einsum("oh,nhwc->nowc", rows, images)
    images = keras.ops.einsum("pw,nowc->nopc", columns, images)
    if mode == "clean":
        images = keras.ops.clip(images, 0.0, 255.0)
    return images


def check_pixel_range(images):
    """Refuses images whose values this network would misread; no-op while traced.

    Integer images are 8-bit values: `[0, 255]`. Float images are `[-1, 1]`; values
    beyond it are clipped when quantized, and refused when they are beyond it by more
    than its width (as `GAN.fit` refuses data against a tanh generator): images in
    `[0, 255]` would all read as white.
    """
    values = backend.concrete(images)
    if values is None or values.size == 0:
        return
    low, high = float(values.min()), float(values.max())
    if "int" in keras.backend.standardize_dtype(values.dtype):
        if low < 0 or high > 255:
            raise ValueError(
                "Expected integer images with 8-bit values in [0, 255] for the FID "
                f"Inception. Received: values from {low:g} to {high:g}"
            )
    elif low < -3.0 or high > 3.0:
        raise ValueError(
            "Expected float images in [-1, 1] for the FID Inception (uint8 images are "
            f"taken as 0-255). Received: values from {low:g} to {high:g}; scale 8-bit "
            "floats with `x / 127.5 - 1`"
        )


@keras.saving.register_keras_serializable(package="keras_gan")
class FIDPreprocessing(keras.layers.Layer):
    """Images -> the 2015 Inception graph's input: 8-bit values, resized, `(x - 128) / 128`.

    Integer images are taken as 8-bit values; float images as [-1, 1], quantized to 8
    bits as a PNG writer does (`floor(x * 127.5 + 128)`, clipped). One channel is
    repeated to three. Images in another range are refused (`check_pixel_range`) when
    the layer is called on values (eagerly, or through `FIDInception.predict_on_batch`
    or `predict`).
    """

    def __init__(self, resize="legacy_tensorflow", **kwargs):
        super().__init__(**kwargs)
        self.resize = resize

    def call(self, images):
        check_pixel_range(images)
        if "int" in keras.backend.standardize_dtype(images.dtype):
            values = keras.ops.cast(images, "float32")
        else:
            values = keras.ops.floor(keras.ops.cast(images, "float32") * 127.5 + 128.0)
            values = keras.ops.clip(values, 0.0, 255.0)
        if values.shape[-1] == 1:
            values = keras.ops.concatenate([values] * 3, axis=-1)
        values = resize(values, self.resize)
        return (values - 128.0) / 128.0

    def compute_output_shape(self, input_shape):
        return (input_shape[0], SIZE, SIZE, 3)

    def get_config(self):
        return {**super().get_config(), "resize": self.resize}


# --------------------------------------------------------------------------- the network
class _Builder:
    """Builds the network and remembers which torch `state_dict` prefix feeds each
    convolution and batch normalization."""

    def __init__(self):
        self.units = []  # (torch prefix, Conv2D, BatchNormalization)

    def conv(self, x, name, filters, kernel, strides=1, padding="valid"):
        layer_name = name.replace(".", "_")
        conv = keras.layers.Conv2D(
            filters, kernel, strides=strides, padding=padding, use_bias=False, name=layer_name
        )
        norm = keras.layers.BatchNormalization(epsilon=1e-3, name=f"{layer_name}_bn")
        self.units.append((name, conv, norm))
        return keras.layers.ReLU(name=f"{layer_name}_relu")(norm(conv(x)))

    def average_pool(self, x, name):
        # TensorFlow's SAME average pool divides by the pixels inside the image: the
        # 2015 graph's (not torchvision's count_include_pad=True).
        return keras.layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)

    def block_a(self, x, name, pool_features):
        b1 = self.conv(x, f"{name}.branch1x1", 64, 1)
        b5 = self.conv(x, f"{name}.branch5x5_1", 48, 1)
        b5 = self.conv(b5, f"{name}.branch5x5_2", 64, 5, padding="same")
        b3 = self.conv(x, f"{name}.branch3x3dbl_1", 64, 1)
        b3 = self.conv(b3, f"{name}.branch3x3dbl_2", 96, 3, padding="same")
        b3 = self.conv(b3, f"{name}.branch3x3dbl_3", 96, 3, padding="same")
        pool = self.average_pool(x, f"{name}_pool")
        pool = self.conv(pool, f"{name}.branch_pool", pool_features, 1)
        return keras.layers.Concatenate(name=name)([b1, b5, b3, pool])

    def block_b(self, x, name):
        b3 = self.conv(x, f"{name}.branch3x3", 384, 3, strides=2)
        bd = self.conv(x, f"{name}.branch3x3dbl_1", 64, 1)
        bd = self.conv(bd, f"{name}.branch3x3dbl_2", 96, 3, padding="same")
        bd = self.conv(bd, f"{name}.branch3x3dbl_3", 96, 3, strides=2)
        pool = keras.layers.MaxPooling2D(3, strides=2, name=f"{name}_pool")(x)
        return keras.layers.Concatenate(name=name)([b3, bd, pool])

    def block_c(self, x, name, channels):
        b1 = self.conv(x, f"{name}.branch1x1", 192, 1)
        b7 = self.conv(x, f"{name}.branch7x7_1", channels, 1)
        b7 = self.conv(b7, f"{name}.branch7x7_2", channels, (1, 7), padding="same")
        b7 = self.conv(b7, f"{name}.branch7x7_3", 192, (7, 1), padding="same")
        bd = self.conv(x, f"{name}.branch7x7dbl_1", channels, 1)
        bd = self.conv(bd, f"{name}.branch7x7dbl_2", channels, (7, 1), padding="same")
        bd = self.conv(bd, f"{name}.branch7x7dbl_3", channels, (1, 7), padding="same")
        bd = self.conv(bd, f"{name}.branch7x7dbl_4", channels, (7, 1), padding="same")
        bd = self.conv(bd, f"{name}.branch7x7dbl_5", 192, (1, 7), padding="same")
        pool = self.average_pool(x, f"{name}_pool")
        pool = self.conv(pool, f"{name}.branch_pool", 192, 1)
        return keras.layers.Concatenate(name=name)([b1, b7, bd, pool])

    def block_d(self, x, name):
        b3 = self.conv(x, f"{name}.branch3x3_1", 192, 1)
        b3 = self.conv(b3, f"{name}.branch3x3_2", 320, 3, strides=2)
        b7 = self.conv(x, f"{name}.branch7x7x3_1", 192, 1)
        b7 = self.conv(b7, f"{name}.branch7x7x3_2", 192, (1, 7), padding="same")
        b7 = self.conv(b7, f"{name}.branch7x7x3_3", 192, (7, 1), padding="same")
        b7 = self.conv(b7, f"{name}.branch7x7x3_4", 192, 3, strides=2)
        pool = keras.layers.MaxPooling2D(3, strides=2, name=f"{name}_pool")(x)
        return keras.layers.Concatenate(name=name)([b3, b7, pool])

    def block_e(self, x, name, max_pool):
        b1 = self.conv(x, f"{name}.branch1x1", 320, 1)
        b3 = self.conv(x, f"{name}.branch3x3_1", 384, 1)
        b3 = keras.layers.Concatenate(name=f"{name}_3x3")(
            [
                self.conv(b3, f"{name}.branch3x3_2a", 384, (1, 3), padding="same"),
                self.conv(b3, f"{name}.branch3x3_2b", 384, (3, 1), padding="same"),
            ]
        )
        bd = self.conv(x, f"{name}.branch3x3dbl_1", 448, 1)
        bd = self.conv(bd, f"{name}.branch3x3dbl_2", 384, 3, padding="same")
        bd = keras.layers.Concatenate(name=f"{name}_3x3dbl")(
            [
                self.conv(bd, f"{name}.branch3x3dbl_3a", 384, (1, 3), padding="same"),
                self.conv(bd, f"{name}.branch3x3dbl_3b", 384, (3, 1), padding="same"),
            ]
        )
        if max_pool:  # the 2015 graph's last block max-pools (the paper average-pools)
            pool = keras.layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
        else:
            pool = self.average_pool(x, f"{name}_pool")
        pool = self.conv(pool, f"{name}.branch_pool", 192, 1)
        return keras.layers.Concatenate(name=name)([b1, b3, bd, pool])

    def network(self):
        inputs = keras.Input((SIZE, SIZE, 3))
        x = self.conv(inputs, "Conv2d_1a_3x3", 32, 3, strides=2)
        x = self.conv(x, "Conv2d_2a_3x3", 32, 3)
        x = self.conv(x, "Conv2d_2b_3x3", 64, 3, padding="same")
        x = keras.layers.MaxPooling2D(3, strides=2, name="pool_1")(x)
        x = self.conv(x, "Conv2d_3b_1x1", 80, 1)
        x = self.conv(x, "Conv2d_4a_3x3", 192, 3)
        x = keras.layers.MaxPooling2D(3, strides=2, name="pool_2")(x)
        x = self.block_a(x, "Mixed_5b", 32)
        x = self.block_a(x, "Mixed_5c", 64)
        x = self.block_a(x, "Mixed_5d", 64)
        x = self.block_b(x, "Mixed_6a")
        for name, channels in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160)):
            x = self.block_c(x, name, channels)
        x = self.block_c(x, "Mixed_6e", 192)
        x = self.block_d(x, "Mixed_7a")
        x = self.block_e(x, "Mixed_7b", max_pool=False)
        x = self.block_e(x, "Mixed_7c", max_pool=True)
        features = keras.layers.GlobalAveragePooling2D(name="pool_3")(x)
        return keras.Model(inputs, features, name="inception_2015")


def _load_state_dict(units, state, source):
    """Copies torch `state` (`{name: array}`) into the `(prefix, conv, norm)` units."""
    for prefix, conv, norm in units:
        names = [f"{prefix}.conv.weight"] + [
            f"{prefix}.bn.{key}" for key in ("weight", "bias", "running_mean", "running_var")
        ]
        missing = [name for name in names if name not in state]
        if missing:
            raise ValueError(
                "Expected the FID Inception state_dict (pytorch-fid's or torch-fidelity's "
                f"{WEIGHTS_FILE}). Received: {source!r}, without {missing[0]!r}"
            )
        kernel = np.transpose(state[names[0]], (2, 3, 1, 0))  # (out, in, h, w) -> (h, w, in, out)
        expected = tuple(conv.kernel.shape)
        if kernel.shape != expected:
            raise ValueError(
                f"Expected {names[0]} of shape (h, w, in, out) = {expected} once transposed. "
                f"Received: {kernel.shape} in {source!r}"
            )
        conv.set_weights([kernel])
        norm.set_weights([state[name] for name in names[1:]])


@keras.saving.register_keras_serializable(package="keras_gan")
class FIDInception(keras.Model):
    """The 2015 Inception graph's `pool_3` features of images of any size.

    Built by `fid_inception_extractor`; saved and reloaded as a `.keras` file with its
    weights.
    """

    def __init__(self, resize="legacy_tensorflow", name="fid_inception", **kwargs):
        super().__init__(name=name, **kwargs)
        self.resize = resize
        self.preprocessing = FIDPreprocessing(resize, name="preprocessing")
        builder = _Builder()
        self.network = builder.network()
        self._units = builder.units
        self.built = True

    def call(self, images):
        # Inference mode pinned (BatchNorm moving statistics) even in `extractor(images)`.
        return self.network(self.preprocessing(images), training=False)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2048)

    def predict_on_batch(self, x):
        check_pixel_range(x)  # here: the compiled call only sees symbolic values
        return super().predict_on_batch(x)

    def predict(self, x, *args, **kwargs):
        if not isinstance(x, (list, tuple, dict)) and hasattr(x, "dtype"):
            check_pixel_range(x)
        return super().predict(x, *args, **kwargs)

    def load_torch_weights(self, path):
        """Loads pytorch-fid's / torch-fidelity's `state_dict` file into the network."""
        _load_state_dict(self._units, _torch_checkpoint.read_state_dict(path), path)

    @property
    def description(self):
        """How reports name the features: `"fid_inception_2015, legacy_tensorflow"`."""
        return f"{FEATURES_NAME}, {self.resize}"

    def get_config(self):
        return {"resize": self.resize, "name": self.name}


def _weights_path(weights):
    """The local weights file for `weights` (a path, or a URL fetched to Keras' cache)."""
    weights = os.fspath(weights)
    if "://" not in weights:
        if os.path.isdir(weights):
            raise ValueError(
                f"Expected a weights file, the FID Inception {WEIGHTS_FILE} (pytorch-fid's or "
                f"torch-fidelity's .pth). Received: a directory, weights={weights!r}"
            )
        if not os.path.isfile(weights):
            raise ValueError(
                f"Expected the FID Inception weights file {WEIGHTS_FILE} (pytorch-fid's or "
                f"torch-fidelity's .pth). Received: weights={weights!r}, which does not exist"
            )
        return weights
    file_name = weights.rsplit("/", 1)[-1] or WEIGHTS_FILE
    file_hash = WEIGHTS_SHA256 if file_name == WEIGHTS_FILE else None
    cached = weights_cache_path(file_name)
    try:
        return keras.utils.get_file(
            file_name,
            weights,
            file_hash=file_hash,
            hash_algorithm="sha256",
            cache_dir=_keras_home(),
            cache_subdir="models",
        )
    except Exception as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(
            f"Expected the FID Inception weights at {cached} (offline? download {weights} "
            f"on a connected machine and put the file there, or pass weights=PATH, "
            f"--fid-weights PATH on the command line). "
            f"Received: download failed: {reason}"
        ) from e


def fid_inception_extractor(
    weights=WEIGHTS_URL, *, resize: str = "legacy_tensorflow", name: str = "fid_inception"
) -> keras.Model:
    """Returns the network of published FIDs: 2048 `pool_3` features of the 2015 Inception.

    FID tables in papers come from one network, the TensorFlow Inception graph of
    2015-12-05 (`inception-2015-12-05.tgz`) of the original FID code (Heusel et al.,
    2017, arXiv:1706.08500), ported to PyTorch by pytorch-fid, torch-fidelity,
    StyleGAN2-ADA and clean-fid. It differs from `keras.applications.InceptionV3`
    (`inception_feature_extractor`) in its weights and in three kinds of block: average
    pooling that leaves the padding out of the mean, and max pooling in the last block.
    This model is that network in Keras layers (any backend), with the input pipeline of
    the protocol chosen:

    - images in [-1, 1] are quantized to 8 bits (`floor(x * 127.5 + 128)`); integer
      images (uint8) are taken as 8-bit values, 0-255; one channel is repeated to
      three. Float images far outside [-1, 1] (such as floats in [0, 255]) raise a
      `ValueError`; floats in [0, 1] cannot be told apart from dark [-1, 1] images and
      fill half the range: scale them with `2 * x - 1`;
    - `resize="legacy_tensorflow"`: TF1's bilinear resize to 299x299 (no half-pixel
      centres, no antialiasing), as in the original code, torch-fidelity and
      StyleGAN2-ADA; `resize="clean"`: clean-fid's PIL bicubic resize of each channel in
      float (antialiased when shrinking), clipped to [0, 255];
    - `(x - 128) / 128`, then the network.

    The same images then give the features of those implementations (to float
    round-off), so FID against statistics computed by them is comparable; the sample
    counts must match too (FID is biased upwards with fewer samples; docs/fid.md).

    Args:
        weights: the weights: a local `.pth` file (pytorch-fid's
            `pt_inception-2015-12-05-6726825d.pth`, or torch-fidelity's
            `weights-inception-2015-12-05-6726825d.pth`, the same file), or a URL
            downloaded once to Keras' cache (`~/.keras/models`), its SHA-256 checked for
            the standard file. `None`: random weights (tests). Defaults to pytorch-fid's
            release URL.
        resize: `"legacy_tensorflow"` or `"clean"`. Defaults to `"legacy_tensorflow"`.
        name: the model's name. Defaults to `"fid_inception"`.

    Returns:
        A `keras.Model` from images `(n, h, w, 1 or 3)` to features `(n, 2048)`.

    Example:
    ```python
    extractor = keras_gan.metrics.fid_inception_extractor("pt_inception-2015-12-05-6726825d.pth")
    scores = keras_gan.metrics.quality_scores(
        real_images, gan.generate(10000), feature_extractor=extractor)
    ```
    """
    if resize not in RESIZE_MODES:
        raise ValueError(f"Expected resize in {RESIZE_MODES}. Received: resize={resize!r}")
    path = None if weights is None else _weights_path(weights)
    model = FIDInception(resize, name=name)
    if path is not None:
        model.load_torch_weights(path)
    return model
