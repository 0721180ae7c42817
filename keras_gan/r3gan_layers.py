"""Layers of the R3GAN networks: low-pass resampling and the generator's learned 4x4 start.

Huang, Gokaslan, Kuleshov and Tompkin, "The GAN is dead; long live the GAN! A Modern GAN
Baseline", NeurIPS 2024 (arXiv:2501.05441). The resampling is the interpolative one of
StyleGAN2's `upfirdn2d` (Karras et al., 2020, arXiv:1912.04958): to double, zeros are
inserted between the pixels and the result is convolved with a separable low-pass filter
(scaled by 4, so that a constant image stays constant); to halve, the image is convolved
with the filter and every second pixel is kept.

Both are linear maps of each axis, so each layer applies them as two small matrix products
(`resampling_matrix`), along the height and then the width: exactly the padded, strided
depthwise convolution, and several times faster than one on CPUs (XLA runs a depthwise
convolution, and its second derivative for R1/R2, as a grouped convolution, which is slow
there).
"""

import functools
import numbers

import keras
import numpy as np
from keras import ops

#: The binomial filter R3GAN resamples with: its `[1, 2, 1]` convolved with `[1, 1]`.
BINOMIAL_TAPS = (1, 3, 3, 1)


def _check_taps(taps):
    valid = (
        isinstance(taps, (tuple, list))
        and len(taps) >= 2
        and all(isinstance(t, numbers.Real) and not isinstance(t, bool) for t in taps)
        and all(t >= 0 for t in taps)
        and sum(taps) > 0
    )
    if not valid:
        raise ValueError(
            "Expected `taps` to be a list of at least 2 non-negative numbers with a positive "
            f"sum (a 1-D low-pass filter such as [1, 3, 3, 1]). Received: taps={taps!r}"
        )
    return tuple(float(t) for t in taps)


class _LowPassResample2D(keras.layers.Layer):
    """Shared parts of the up- and downsampling layers (channels-last images)."""

    _up = None  # whether the layer doubles (True) or halves (False)

    def __init__(self, taps=BINOMIAL_TAPS, **kwargs):
        super().__init__(**kwargs)
        self.taps = _check_taps(taps)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        """`inputs` resampled along the height, then the width (`resampling_matrix`)."""
        height, width = (
            ops.convert_to_tensor(
                resampling_matrix(self.taps, length, up=self._up), dtype=inputs.dtype
            )
            for length in inputs.shape[1:3]
        )
        x = ops.einsum("oh,bhwc->bowc", height, inputs)
        return ops.einsum("ow,bhwc->bhoc", width, x)

    def get_config(self):
        return {**super().get_config(), "taps": list(self.taps)}


@functools.lru_cache(maxsize=64)
def resampling_matrix(taps, length, *, up):
    """The `(output, input)` matrix of one axis' low-pass resampling (float32 NumPy).

    `up=True`: zeros are inserted after each of the `length` samples, the result padded
    by `(len(taps) + 1) // 2` before and `(len(taps) - 2) // 2` after and convolved with
    `taps` normalized to sum to 2 (2 per axis: 4 for the image). `up=False`: padded by
    `(len(taps) - 1) // 2` before and `(len(taps) - 2) // 2` after, convolved with `taps`
    normalized to sum to 1, every second sample kept. The convolution flips `taps`, as
    StyleGAN2's `upfirdn2d` does. Cached (an eager step calls it on every pass); the
    array is read-only.
    """
    taps = np.asarray(taps, dtype="float64")
    size = len(taps)
    flipped = taps[::-1] / taps.sum() * (2.0 if up else 1.0)
    if up:
        before, after = (size + 1) // 2, (size - 2) // 2
        padded = 2 * length + before + after
        outputs, step, spread = padded - size + 1, 1, 2  # input j sits at 2j
    else:
        before, after = (size - 1) // 2, (size - 2) // 2
        padded = length + before + after
        outputs, step, spread = (padded - size) // 2 + 1, 2, 1
    matrix = np.zeros((outputs, length))
    for i in range(outputs):
        for k in range(size):
            # Output i reads the padded sample i * step + k; the input sample there, if any.
            position = i * step + k - before
            if position % spread == 0 and 0 <= position // spread < length:
                matrix[i, position // spread] += flipped[k]
    matrix = matrix.astype("float32")
    matrix.flags.writeable = False
    return matrix


@keras.saving.register_keras_serializable(package="keras_gan")
class LowPassUpsample2D(_LowPassResample2D):
    """Doubles the height and width of channels-last images with a low-pass filter.

    Zeros are inserted after every pixel (along both axes) and the result is convolved
    with the separable filter `outer(taps, taps)`, normalized to sum to 4, padded by
    `(len(taps) + 1) // 2` pixels before and `(len(taps) - 2) // 2` after: the
    upsampling of StyleGAN2's `upfirdn2d.upsample2d`. With the default `[1, 3, 3, 1]`,
    each output pixel is 3/4 of its nearest input pixel and 1/4 of the next one along
    each axis (zero past the border).

    Args:
        taps: the 1-D filter, at least 2 non-negative numbers. Defaults to `(1, 3, 3, 1)`.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    ```python
    LowPassUpsample2D()(np.ones((1, 4, 4, 3))).shape  # (1, 8, 8, 3)
    ```
    """

    _up = True

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (
            batch,
            None if height is None else 2 * height,
            None if width is None else 2 * width,
            channels,
        )


@keras.saving.register_keras_serializable(package="keras_gan")
class LowPassDownsample2D(_LowPassResample2D):
    """Halves the height and width of channels-last images with a low-pass filter.

    The images are convolved with the separable filter `outer(taps, taps)`, normalized
    to sum to 1, padded by `(len(taps) - 1) // 2` pixels before and `(len(taps) - 2) // 2`
    after, and every second pixel is kept: StyleGAN2's `upfirdn2d.downsample2d`.
    Expects an even height and width.

    Args:
        taps: the 1-D filter, at least 2 non-negative numbers. Defaults to `(1, 3, 3, 1)`.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    ```python
    LowPassDownsample2D()(np.ones((1, 8, 8, 3))).shape  # (1, 4, 4, 3)
    ```
    """

    _up = False

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (
            batch,
            None if height is None else height // 2,
            None if width is None else width // 2,
            channels,
        )


@keras.saving.register_keras_serializable(package="keras_gan")
class GroupedConv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` with `groups > 1`, fast on CPUs too.

    The same layer, weights and result as `Conv2D(..., groups=groups)`. On a GPU the
    grouped convolution runs as it is. On a CPU it runs the way its backend runs it
    fastest with the double backward R1 and R2 take (`keras_gan.backend.GROUPED_CONV_ON_CPU`,
    chosen by `benchmarks/grouped_conv.py`): as one ordinary convolution per group
    (`grouped_conv_by_groups`) where the backend's own grouped convolution is slower.
    Either way it executes the grouped convolution's own arithmetic.

    Args:
        *args, **kwargs: those of `keras.layers.Conv2D`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_groups = None  # decided on first call

    def convolution_op(self, inputs, kernel):
        if self.groups > 1:
            if self._by_groups is None:
                from keras_gan import backend
                from keras_gan._distribute import gpu_visible

                self._by_groups = backend.GROUPED_CONV_ON_CPU == "by_groups" and not gpu_visible()
            if self._by_groups:
                return grouped_conv_by_groups(
                    inputs,
                    kernel,
                    self.groups,
                    strides=self.strides,
                    padding=self.padding,
                    dilation_rate=self.dilation_rate,
                    data_format=self.data_format,
                )
        return super().convolution_op(inputs, kernel)


def grouped_conv_by_groups(
    inputs, kernel, groups, *, strides=1, padding="valid", dilation_rate=1, data_format=None
):
    """A grouped convolution as `groups` ordinary ones, one per group, concatenated.

    `keras.ops.conv`'s result for a `(..., in_channels / groups, out_channels)` kernel
    (group `g` reads input channels `[g * in_channels / groups, ...)` and writes output
    channels `[g * out_channels / groups, ...)`), with only the grouped convolution's
    arithmetic, in ordinary convolutions (and their ordinary derivatives) only.

    Args:
        inputs: the images, channels last or first as `data_format` says.
        kernel: `(kh, kw, in_channels / groups, out_channels)`.
        groups: the number of groups.
        strides, padding, dilation_rate, data_format: as `keras.ops.conv` takes them.

    Returns:
        The convolution, without a bias.
    """
    data_format = data_format or keras.config.image_data_format()
    axis = 1 if data_format == "channels_first" else -1
    return ops.concatenate(
        [
            ops.conv(x, k, strides, padding, data_format=data_format, dilation_rate=dilation_rate)
            for x, k in zip(
                ops.split(inputs, groups, axis=axis), ops.split(kernel, groups, axis=-1)
            )
        ],
        axis=axis,
    )


@keras.saving.register_keras_serializable(package="keras_gan")
class GenerativeBasis(keras.layers.Layer):
    """The R3GAN generator's start: a learned 4x4 image per channel, scaled by the input.

    `output[b, i, j, c] = basis[i, j, c] * (inputs @ kernel)[b, c]`: a linear map (no
    bias) of the noise (and class embedding) gives one amplitude per channel, which
    multiplies that channel's learned 4x4 pattern.

    Args:
        channels: channels of the 4x4 output.
        kernel_initializer: initializer of the `(input_dim, channels)` kernel. Defaults
            to He's normal initialization for a linear unit (standard deviation
            `1 / sqrt(input_dim)`).
        basis_initializer: initializer of the `(4, 4, channels)` basis. Defaults to a
            standard normal.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(
        self,
        channels,
        kernel_initializer=None,
        basis_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.channels = int(channels)
        self.kernel_initializer = keras.initializers.get(
            kernel_initializer or _linear_he_normal(None)
        )
        self.basis_initializer = keras.initializers.get(
            basis_initializer or keras.initializers.RandomNormal(stddev=1.0)
        )
        self.input_spec = keras.layers.InputSpec(ndim=2)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            (input_shape[-1], self.channels), initializer=self.kernel_initializer, name="kernel"
        )
        self.basis = self.add_weight(
            (4, 4, self.channels), initializer=self.basis_initializer, name="basis"
        )

    def call(self, inputs):
        amplitudes = ops.matmul(inputs, self.kernel)
        return ops.expand_dims(self.basis, 0) * ops.reshape(amplitudes, (-1, 1, 1, self.channels))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 4, 4, self.channels)

    def get_config(self):
        return {
            **super().get_config(),
            "channels": self.channels,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "basis_initializer": keras.initializers.serialize(self.basis_initializer),
        }


def _linear_he_normal(seed, gain=1.0):
    """Normal weights of standard deviation `gain / sqrt(fan_in)` (untruncated)."""
    return keras.initializers.VarianceScaling(
        scale=gain**2, mode="fan_in", distribution="untruncated_normal", seed=seed
    )
