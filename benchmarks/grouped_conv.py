"""How fast each formulation of a grouped 3x3 convolution runs what R1/R2 ask of it.

The R3GAN blocks' grouped convolutions (batch 32; channels and groups of the 8 px and
32 px networks) are timed four ways on each backend: `block` (the kernel laid out
block-diagonally in a full one: `groups` times the arithmetic), `native` (the backend's
own grouped convolution: XLA's `feature_group_count` on TensorFlow and JAX, `groups=`
on PyTorch), `patches` (`patch_grouped_conv` below: one matrix product per group
over the image patches) and `by_groups` (`r3gan_layers.grouped_conv_by_groups`: one
ordinary convolution per group). Each timed call takes what a discriminator step with
R1 takes of the convolution: the forward pass, the input gradient, and the gradient
with respect to the kernel of `f + |df/dx|^2` (the double backward), where
`f = sum(c * leaky_relu(conv(x)))`. TensorFlow runs it in a `tf.function` (no XLA, as
`fit` on a CPU), JAX under `jax.jit`, PyTorch eagerly, as the recipes' steps run.

Every round is a fresh process per backend that times each formulation once per shape,
the formulations' order rotated per round. Prints ms per call, median (min-max) over
rounds, and writes them with the machine's facts to `--out`:

    python benchmarks/grouped_conv.py --backends tensorflow jax torch --rounds 3
"""

import argparse
import json
import sys
import time

import _common

FORMULATIONS = ("block", "native", "patches", "by_groups")
# (name, side, channels, groups): the grouped convolutions of r3gan at 8 px (width 64)
# and 32 px (width 128), batch 32.
SHAPES = (
    ("8px_4x4", 4, 128, 8),
    ("8px_8x8", 8, 128, 8),
    ("32px_8x8", 8, 256, 16),
    ("32px_16x16", 16, 256, 16),
    ("32px_32x32", 32, 256, 16),
)
BATCH = 32


def _conv(formulation, x, kernel, groups):
    from keras import ops

    from keras_gan import r3gan_layers

    if formulation == "block":
        return ops.conv(x, block_diagonal_kernel(kernel, groups), padding="same")
    if formulation == "native":
        return ops.conv(x, kernel, padding="same")
    if formulation == "patches":
        return patch_grouped_conv(x, kernel, groups, "same")
    return r3gan_layers.grouped_conv_by_groups(x, kernel, groups, padding="same")


def patch_grouped_conv(inputs, kernel, groups, padding="valid"):
    """A grouped convolution (stride and dilation 1, channels last) as one batched
    matrix product per group over the image's patches: the grouped convolution's own
    arithmetic (no zeros multiplied).

    The `(kh, kw)` windows are gathered once by slicing into `(..., kh * kw, channels)`
    patches; each group's `kh * kw * in_channels / groups` patch entries meet its
    `(kh * kw * in_channels / groups, out_channels / groups)` block of `kernel`.
    Slicing, reshaping and `einsum` differentiate (twice, for R1 and R2) into the same
    kinds of operations.

    Args:
        inputs: `(batch, height, width, in_channels)` images.
        kernel: `(kh, kw, in_channels / groups, out_channels)`: `Conv2D`'s kernel.
        groups: the number of groups.
        padding: `"valid"` or `"same"` (zeros, as `Conv2D` pads). Defaults to `"valid"`.

    Returns:
        `(batch, out_height, out_width, out_channels)`, without a bias.
    """
    import keras

    kh, kw, group_in, out = kernel.shape
    group_out = out // groups
    batch, height, width, _ = inputs.shape
    if padding == "same":
        rows, cols = height, width
    else:
        rows, cols = height - kh + 1, width - kw + 1
    # Group-major, so that the patches come out laid out for a batched matrix product.
    x = keras.ops.reshape(inputs, (-1, height, width, groups, group_in))
    x = keras.ops.transpose(x, (3, 0, 1, 2, 4))
    if padding == "same":
        x = keras.ops.pad(
            x, ((0, 0), (0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0))
        )
    if kh == kw == 1:
        patches = x
    else:
        patches = keras.ops.concatenate(
            [x[:, :, i : i + rows, j : j + cols, :] for i in range(kh) for j in range(kw)],
            axis=-1,
        )
    # (groups, positions, kh * kw * group_in) @ (groups, kh * kw * group_in, group_out).
    patches = keras.ops.reshape(patches, (groups, -1, kh * kw * group_in))
    blocks = keras.ops.reshape(kernel, (kh * kw * group_in, groups, group_out))
    outputs = keras.ops.matmul(patches, keras.ops.transpose(blocks, (1, 0, 2)))
    outputs = keras.ops.reshape(outputs, (groups, -1, rows, cols, group_out))
    return keras.ops.reshape(keras.ops.transpose(outputs, (1, 2, 3, 0, 4)), (-1, rows, cols, out))


def block_diagonal_kernel(kernel, groups):
    """The full `(..., in_channels, out_channels)` kernel of a grouped convolution's
    `(..., in_channels / groups, out_channels)` kernel: zero between groups."""
    import keras

    *window, group_in, out = kernel.shape
    group_out = out // groups
    blocks = keras.ops.reshape(kernel, (*window, 1, group_in, groups, group_out))
    mask = keras.ops.reshape(keras.ops.eye(groups, dtype=kernel.dtype), (groups, 1, groups, 1))
    return keras.ops.reshape(blocks * mask, (*window, groups * group_in, out))


def r1_kernel_gradient(formulation, groups):
    """`fn(x, kernel, c)`: the kernel's gradient of `f + |df/dx|^2`, compiled as the
    backend's step would be."""
    import keras
    from keras import ops

    def f(x, kernel, c):
        return ops.sum(c * ops.leaky_relu(_conv(formulation, x, kernel, groups), 0.2))

    backend = keras.config.backend()
    if backend == "jax":
        import jax

        def loss(kernel, x, c):
            value, grad_x = jax.value_and_grad(f)(x, kernel, c)
            return value + ops.sum(grad_x**2)

        step = jax.jit(jax.grad(loss))
        return lambda x, kernel, c: step(kernel, x, c).block_until_ready()
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def step(x, kernel, c):
            with tf.GradientTape() as outer:
                outer.watch(kernel)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    value = f(x, kernel, c)
                grad_x = inner.gradient(value, x)
                total = value + tf.reduce_sum(grad_x**2)
            return outer.gradient(total, kernel)

        return lambda x, kernel, c: step(x, kernel, c).numpy()
    import torch

    def step(x, kernel, c):
        kernel = kernel.detach().requires_grad_(True)
        x = x.detach().requires_grad_(True)
        value = f(x, kernel, c)
        (grad_x,) = torch.autograd.grad(value, x, create_graph=True)
        (grad_k,) = torch.autograd.grad(value + (grad_x**2).sum(), kernel)
        return grad_k.numpy()

    return step


def time_call(fn, args, min_seconds):
    """Median ms of `fn(*args)` over calls filling `min_seconds` (at least one), after
    a warm-up call."""
    import statistics

    fn(*args)  # tracing and compilation
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds or not times:
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def run_one(round_index, min_seconds, shapes, formulations):
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    n = round_index % len(formulations)
    order = formulations[n:] + formulations[:n]
    out = {}
    for name, side, channels, groups in SHAPES:
        if name not in shapes:
            continue
        x = keras.ops.convert_to_tensor(rng.normal(size=(BATCH, side, side, channels)), "float32")
        c = keras.ops.convert_to_tensor(rng.normal(size=(BATCH, side, side, channels)), "float32")
        k = rng.normal(size=(3, 3, channels // groups, channels)) / np.sqrt(9 * channels // groups)
        kernel = keras.ops.convert_to_tensor(k, "float32")
        for formulation in order:
            fn = r1_kernel_gradient(formulation, groups)
            try:
                out[f"{name}/{formulation}"] = time_call(fn, (x, kernel, c), min_seconds)
            except Exception as error:  # a backend without this formulation on this device
                out[f"{name}/{formulation}"] = f"error: {type(error).__name__}: {error}"[:300]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=list(_common.BACKENDS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per cell")
    parser.add_argument("--shapes", nargs="+", default=[s[0] for s in SHAPES])
    parser.add_argument("--formulations", nargs="+", default=list(FORMULATIONS))
    parser.add_argument("--out", default="docs/grouped_conv.json")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        result = run_one(args.one, args.seconds, args.shapes, args.formulations)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    times = {b: {} for b in args.backends}
    payload = {
        "cpu": _common.cpu_model(),
        "cpu_flags": sorted(f for f in _common.cpu_flags() if f.startswith(("avx", "amx", "fma"))),
        "loadavg_start": _common.loadavg(),
        "batch": BATCH,
        "ms": times,
    }
    for r in range(args.rounds):
        for backend in args.backends:
            result = _common.child_result(
                __file__,
                ["--one", str(r), "--seconds", str(args.seconds), "--shapes", *args.shapes]
                + ["--formulations", *args.formulations],
                what=f"{backend} round {r}",
                env_updates={"KERAS_BACKEND": backend},
            )
            for key, value in result.items():
                times[backend].setdefault(key, []).append(value)
            print(f"round {r} {backend}: {json.dumps(result)}", flush=True)
    payload["loadavg_end"] = _common.loadavg()
    _common.write_json(args.out, payload)
    rows = []
    for backend, cells in times.items():
        for name in args.shapes:
            row = [backend, name]
            for formulation in args.formulations:
                values = cells.get(f"{name}/{formulation}", [])
                numbers = [v for v in values if isinstance(v, float)]
                if len(numbers) < len(values) or not numbers:
                    row.append("error")
                else:
                    s = _common.summarize(numbers)
                    row.append(f"{s['median']:.1f} ({s['worst']:.1f}-{s['best']:.1f})")
            rows.append(row)
    print(_common.format_table(["backend", "shape", *args.formulations], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
