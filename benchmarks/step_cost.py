"""What a recipe's training step costs against what the machine can do.

Per backend, recipe (`recipes.dcgan`, `recipes.r3gan`) and image side, each arm trains
`--steps` timed steps (after `--warmup` steps that include compilation) on synthetic
RGB images with the recipe's callbacks, in a fresh process; rounds interleave the arms
(their order rotated each round) with the machine's matmul peak, measured the same way
(`--peak-size` square matrices, fp32, and bf16 where the CPU computes in it). The r3gan
arm runs once per `--grouped` formulation of its grouped convolutions: `new`
(`GroupedConv2D` as it is) and `block` (its kernel laid out block-diagonally: how it ran
on CPUs before issue #30).

Reports images/s, useful GFLOP/s (`_common.step_flops`: grouped convolutions at their
own arithmetic, R1/R2's double backward, the relativistic real-score pass) and that as a
fraction of the fp32 (and bf16) peak, medians (min-max) over rounds, with the CPU model
and flags, to `--out`:

    python benchmarks/step_cost.py --backends tensorflow jax torch --sides 8 32 --rounds 3
"""

import argparse
import json
import sys
import time

import _common

RECIPES = ("dcgan", "r3gan")


def matmul_peak(dtype, size, seconds):
    """GFLOP/s of `size` x `size` matrix products in `dtype` on the current backend."""
    import statistics

    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (keras.ops.convert_to_tensor(rng.normal(size=(size, size)), dtype) for _ in "ab")
    backend = keras.config.backend()
    if backend == "jax":
        import jax

        product = jax.jit(keras.ops.matmul)
        run = lambda: product(a, b).block_until_ready()  # noqa: E731
    elif backend == "tensorflow":
        import tensorflow as tf

        product = tf.function(keras.ops.matmul)
        run = lambda: product(a, b).numpy()  # noqa: E731
    else:
        run = lambda: keras.ops.matmul(a, b)  # noqa: E731 (torch on a CPU is synchronous)
    run()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return 2 * size**3 / statistics.median(times) / 1e9


def block_diagonal_convolution_op(layer, inputs, kernel):
    """`GroupedConv2D.convolution_op` as it was before issue #30 on CPUs: the grouped
    kernel laid out block-diagonally in a full one (`groups` times the arithmetic)."""
    import keras
    from keras import ops

    *window, group_in, out = kernel.shape
    groups, group_out = layer.groups, out // layer.groups
    blocks = ops.reshape(kernel, (*window, 1, group_in, groups, group_out))
    mask = ops.reshape(ops.eye(groups, dtype=kernel.dtype), (groups, 1, groups, 1))
    full = ops.reshape(blocks * mask, (*window, groups * group_in, out))
    return keras.layers.Conv2D.convolution_op(layer, inputs, full)


def step_arm(recipe, side, grouped, batch, steps, warmup):
    """Images/s of `recipe`'s steps at `side` px, and its useful and executed FLOPs per image."""
    import numpy as np

    from keras_gan import r3gan_layers
    from keras_gan import recipes

    if grouped == "block":
        r3gan_layers.GroupedConv2D.convolution_op = block_diagonal_convolution_op
    shape = (side, side, 3)
    total = (steps + warmup) * batch
    gan, callbacks = recipes.get(recipe)(shape, total_images=total, seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (total, *shape)).astype("float32")
    gan.fit(images[: warmup * batch], batch_size=batch, epochs=1, verbose=0, callbacks=callbacks)
    start = time.perf_counter()
    gan.fit(images[warmup * batch :], batch_size=batch, epochs=1, verbose=0, callbacks=callbacks)
    rate = steps * batch / (time.perf_counter() - start)
    counts = {}
    for name, block in (("useful", False), ("executed", grouped == "block")):
        counts[name] = _common.step_flops(
            gan.generator,
            gan.discriminator,
            1,
            "reuse_fakes" if getattr(gan, "reuse_fakes", False) else "alternating",
            r1=gan.r1_weight > 0,
            r2=gan.r2_weight > 0,
            penalty_every=gan.penalty_every,
            relativistic=gan.gan_loss.generator_needs_real_scores,
            block_diagonal=block,
        )
    return {"images_per_second": rate, "flops_per_image": counts}


def run_one(arm, args):
    if arm["kind"] == "peak":
        return {"gflops": matmul_peak(arm["dtype"], args.peak_size, args.peak_seconds)}
    return step_arm(arm["recipe"], arm["side"], arm["grouped"], args.batch, args.steps, args.warmup)


def arms(args):
    out = [{"kind": "peak", "dtype": "float32"}]
    if _common.has_bf16():
        out.append({"kind": "peak", "dtype": "bfloat16"})
    for side in args.sides:
        for recipe in args.recipes:
            for grouped in args.grouped if recipe == "r3gan" else ["new"]:
                out.append({"kind": "step", "recipe": recipe, "side": side, "grouped": grouped})
    return out


def arm_name(arm):
    if arm["kind"] == "peak":
        return f"matmul {arm['dtype']}"
    suffix = f" ({arm['grouped']})" if arm["recipe"] == "r3gan" else ""
    return f"{arm['recipe']} {arm['side']} px{suffix}"


def summarize(payload):
    """Table rows: per backend and step arm, images/s, useful GFLOP/s, fractions of peak."""
    rows = []
    for backend, results in payload["results"].items():
        peaks = {
            dtype: _common.summarize([v["gflops"] for v in results[f"matmul {dtype}"]])["median"]
            for dtype in ("float32", "bfloat16")
            if results.get(f"matmul {dtype}")
        }
        for name, values in results.items():
            if name.startswith("matmul"):
                s = _common.summarize([v["gflops"] for v in values])
                rows.append([backend, name, "", f"{s['median']:.0f}", "", ""])
                continue
            rates = [v["images_per_second"] for v in values]
            flops = values[0]["flops_per_image"]
            gflops = [r * flops["useful"] / 1e9 for r in rates]
            s, g = _common.summarize(rates), _common.summarize(gflops)
            fractions = [
                f"{g['median'] / peaks[d]:.3f}" if d in peaks else ""
                for d in ("float32", "bfloat16")
            ]
            rows.append(
                [
                    backend,
                    name,
                    f"{s['median']:.1f} ({s['worst']:.1f}-{s['best']:.1f})",
                    f"{g['median']:.1f} ({g['worst']:.1f}-{g['best']:.1f})",
                    *fractions,
                ]
            )
    headers = ["backend", "arm", "img/s", "useful GFLOP/s", "of fp32 peak", "of bf16 peak"]
    return headers, rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=list(_common.BACKENDS))
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES))
    parser.add_argument("--sides", nargs="+", type=int, default=[8, 32])
    parser.add_argument("--grouped", nargs="+", default=["new", "block"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--peak-size", type=int, default=2048)
    parser.add_argument("--peak-seconds", type=float, default=2.0)
    parser.add_argument("--out", default="docs/step_cost.json")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(run_one(json.loads(args.one), args)), flush=True)
        return 0
    plan = arms(args)
    payload = {
        "cpu": _common.cpu_model(),
        "cpu_flags": sorted(f for f in _common.cpu_flags() if f.startswith(("avx", "amx", "fma"))),
        "nproc": _common.os.cpu_count(),
        "loadavg_start": _common.loadavg(),
        "settings": {k: v for k, v in vars(args).items() if k != "one"},
        "results": {b: {arm_name(a): [] for a in plan} for b in args.backends},
    }
    passed = [f"--{k}={v}" for k in ("steps", "warmup", "batch") for v in [getattr(args, k)]]
    passed += [f"--peak-size={args.peak_size}", f"--peak-seconds={args.peak_seconds}"]
    for r in range(args.rounds):
        for backend in args.backends:
            for arm in plan[r % len(plan) :] + plan[: r % len(plan)]:
                result = _common.child_result(
                    __file__,
                    [*passed, "--one", json.dumps(arm)],
                    what=f"{arm_name(arm)} on {backend}",
                    env_updates={"KERAS_BACKEND": backend},
                )
                payload["results"][backend][arm_name(arm)].append(result)
                print(f"round {r} {backend} {arm_name(arm)}: {json.dumps(result)}", flush=True)
                payload["loadavg_end"] = _common.loadavg()
                _common.write_json(args.out, payload)
    print(_common.format_table(*summarize(payload)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
