"""Training throughput of one DCGAN, trained five ways side by side in one process.

The model is the TensorFlow DCGAN tutorial's 28x28 pair (latent 100), the data random
images (fixed seed), the batch 64. Variants:

  a  the classic loop: `d.train_on_batch(real, 1)`, `d.train_on_batch(fake, 0)`,
     `gan.train_on_batch(z, 1)` on a stacked generator+discriminator compiled with the
     discriminator's `trainable` switched off (toggled back on for its own updates)
  b  a hand-written step: the TF tutorial's `@tf.function` with two GradientTapes
     (TensorFlow); a jitted `jax.vjp` step over `stateless_call` (JAX); an eager step
     with two `torch.autograd.grad` calls (PyTorch)
  c  `GAN.fit`, default settings (`update="alternating"`)
  d  `GAN.fit` with `jit_compile=True, steps_per_execution=8` (1 on PyTorch, where
     `jit_compile` means `torch.compile`)
  e  `GAN.fit` with `update="simultaneous"` (the tutorial's step)

More variants are spelled as a letter plus options: `b+xla` (the tutorial step with
`tf.function(jit_compile=True)`), `c+spe16`, `e+xla+spe8`, ... (`xla`: jit_compile=True,
`noxla`: jit_compile=False, `speN`: steps_per_execution=N, `bf16` / `fp16`: that
variant's models built and compiled under the `mixed_bfloat16` / `mixed_float16`
policy; `ema`, `diffaug`, `ada`, `r1` for the GAN.fit variants: a generator moving
average, `augment="diffaugment"` / `"ada"`, `r1_penalty=1.0`; `rel`: `loss="relativistic"`,
whose generator update also scores the real batch). The default list adds
the mixed-precision rows `b+bf16` and `c+bf16`.

Each variant is warmed up first (tracing/compilation excluded), then timed in rounds:
every round runs every variant once, for `--steps` steps, so slow phases of a shared
machine hit all of them alike. Rates are medians over rounds (their min-max spread is
shown); ratios are ratios of medians, with a 90% interval from a paired bootstrap over
rounds. `--fresh-processes` runs each variant in a process of its own every round (its
own warm-up, one timed measurement), rounds interleaved and the order rotated each
round: a measurement then depends neither on what ran before it in the process nor on
its slot in the order. Run `python benchmarks/throughput.py --help` for the options and
`--backend all` for a table over TensorFlow, JAX and PyTorch.
"""

import argparse
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
from _variants import DEFAULT_VARIANTS  # noqa: E402
from _variants import Context  # noqa: E402
from _variants import describe  # noqa: E402
from _variants import make_variant  # noqa: E402


# ----------------------------------------------------------------- arguments
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=16, help="timed steps per measurement (16)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of measurements (5)")
    parser.add_argument("--warmup-steps", type=int, default=8, help="untimed steps first (8)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per step (64)")
    parser.add_argument(
        "--variants",
        default=",".join(DEFAULT_VARIANTS),
        help="comma-separated variants (default: %(default)s); options: b+xla, c+spe16, "
        "e+xla+spe8, c+bf16, c+fp16, ...",
    )
    parser.add_argument(
        "--backend",
        default=None,
        help="tensorflow | jax | torch | all (default: the current KERAS_BACKEND)",
    )
    parser.add_argument(
        "--fresh-processes",
        action="store_true",
        help="one process per variant per round (rounds interleaved, order rotated)",
    )
    parser.add_argument("--tiny", action="store_true", help="a tiny model/batch/steps (tests)")
    parser.add_argument(
        "--small-model",
        action="store_true",
        help="the tiny model at the given batch/steps: per-step overhead dominates its time",
    )
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON to OUT")
    parser.add_argument("--seed", type=int, default=0, help="seed of data and weights (0)")
    tf_group = parser.add_argument_group("TensorFlow settings (each needs a fresh process)")
    tf_group.add_argument("--intra-op", type=int, default=0, help="intra-op threads (0: TF's)")
    tf_group.add_argument("--inter-op", type=int, default=0, help="inter-op threads (0: TF's)")
    tf_group.add_argument(
        "--onednn", choices=("0", "1"), default=None, help="TF_ENABLE_ONEDNN_OPTS (default: TF's)"
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=0,
        help="torch.set_num_threads on PyTorch (0: torch's default, one per core)",
    )
    parser.add_argument(
        "--dtype-policy", default=None, help="Keras dtype policy, e.g. mixed_bfloat16"
    )
    args = parser.parse_args(argv)
    if args.tiny:
        args.steps = min(args.steps, 3)
        args.repeats = min(args.repeats, 2)
        args.warmup_steps = min(args.warmup_steps, 2)
        args.batch_size = min(args.batch_size, 8)
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    return args


# -------------------------------------------------------------------- setup
def configure_environment(args):
    """Applies the settings that must precede the first TensorFlow/Keras import."""
    if args.onednn is not None:
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = args.onednn
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" not in sys.modules:  # thread pools are fixed once TF has started
        import tensorflow as tf

        if args.intra_op:
            tf.config.threading.set_intra_op_parallelism_threads(args.intra_op)
        if args.inter_op:
            tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)
    _common.set_torch_threads(args.torch_threads)


# ---------------------------------------------------------------------- main
def measure(args):
    """Runs the benchmark in this process; returns the results as a dict."""
    import keras

    if args.dtype_policy:
        keras.config.set_dtype_policy(args.dtype_policy)
    ctx = Context(args)
    info = _common.machine_info()
    info.update(
        dtype_policy=keras.config.dtype_policy().name,
        onednn=os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        intra_op=args.intra_op or "default",
        inter_op=args.inter_op or "default",
        torch_threads=_common.torch_threads(),
    )
    print(
        f"{info['backend']} | {info['cpu']} x{info['nproc']} | load {info['loadavg_start']} | "
        f"batch {args.batch_size}, {args.steps} steps x {args.repeats} rounds",
        flush=True,
    )
    g, d = ctx.models()
    flops = {
        update: _common.step_flops(g, d, args.batch_size, update)
        for update in ("alternating", "reuse_fakes", "simultaneous")
    }
    del g, d

    variants, failures = {}, {}
    for spec in args.variants:
        start = time.perf_counter()
        try:
            variant = make_variant(spec, ctx)
            variant.run(args.warmup_steps)  # traces/compiles; not timed
        except Exception as error:  # noqa: BLE001 - reported as n/a, the others go on
            failures[spec] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
            print(f"  warm-up {spec}: n/a ({failures[spec]})", flush=True)
            continue
        variants[spec] = variant
        print(f"  warm-up {spec}: {time.perf_counter() - start:.1f} s", flush=True)
    rss_after_warmup = _common.rss_mb()

    rates = {spec: [] for spec in variants}
    loads = []
    for round_index in range(args.repeats):
        loads.append(_common.loadavg()[0])
        line = []
        for spec, variant in variants.items():
            seconds, steps = variant.run(args.steps)
            rates[spec].append(steps * args.batch_size / seconds)
            line.append(f"{spec} {rates[spec][-1]:.0f}")
        print(
            f"  round {round_index + 1}/{args.repeats} (load {loads[-1]}): {', '.join(line)} img/s",
            flush=True,
        )

    measured = {
        spec: {
            "description": describe(spec, ctx.backend),
            "update": variant.update,
            "flops_per_step": flops[variant.update],
        }
        for spec, variant in variants.items()
    }
    measured.update({spec: {"description": describe(spec, ctx.backend)} for spec in failures})
    results = _results(args, ctx.backend, rates, measured, failures)
    info["loadavg_rounds"] = loads
    info["loadavg_end"] = _common.loadavg()
    return {
        "config": _config(args, variants=args.variants),
        "machine": info,
        "flops_per_step": flops,
        "results": results,
        "memory": {
            "rss_after_warmup_mb": round(rss_after_warmup, 1),
            "rss_end_mb": round(_common.rss_mb(), 1),
            "peak_rss_mb": round(_common.peak_rss_mb(), 1),
        },
    }


def _results(args, backend, rates, measured, failures):
    """One entry per variant: rates, their median and spread, ratios to (a) and (b)."""
    results = []
    medians = {spec: _common.summarize(r)["median"] for spec, r in rates.items()}
    for spec in args.variants:
        entry = {"variant": spec, "backend": backend}
        if spec in failures:
            entry.update(description=measured.get(spec, {}).get("description", ""))
            entry["error"] = failures[spec]
            results.append(entry)
            continue
        entry.update(measured[spec])
        summary = _common.summarize(rates[spec])
        entry.update(
            rates=[round(r, 2) for r in rates[spec]],
            median=round(summary["median"], 2),
            best=round(summary["best"], 2),
            worst=round(summary["worst"], 2),
            gflops_per_s=round(
                summary["median"] / args.batch_size * entry["flops_per_step"] / 1e9, 2
            ),
        )
        for name in ("a", "b"):
            entry[f"ratio_to_{name}"] = _ratio(summary["median"], medians.get(name))
            interval = None
            if name in rates and spec != name:
                interval = _common.bootstrap_ratio(rates[spec], rates[name])
            entry[f"ratio_to_{name}_interval"] = (
                None if interval is None else [round(v, 3) for v in interval]
            )
            entry[f"ratio_to_{name}_rounds_for_5pct"] = (
                None
                if interval is None
                else _common.rounds_for(interval, entry[f"ratio_to_{name}"], len(rates[spec]))
            )
        results.append(entry)
    return results


def measure_fresh(args, argv):
    """Runs every variant in a fresh process each round; returns `measure`'s dict."""
    import tempfile

    child_argv = list(argv)
    for option in ("--json", "--variants", "--repeats", "--backend"):
        child_argv = _common.strip_option(child_argv, option)
    child_argv = [a for a in child_argv if a != "--fresh-processes"]
    specs = args.variants
    rates, measured, failures, payloads, loads = {}, {}, {}, [], []
    print(
        f"fresh processes | {len(specs)} variants x {args.repeats} rounds | "
        f"load {_common.loadavg()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for round_index in range(args.repeats):
            shift = round_index % len(specs)
            line = []
            for spec in specs[shift:] + specs[:shift]:
                if spec in failures:
                    continue
                out = os.path.join(tmp, f"{round_index}-{spec}.json")
                status = _common.run_child(
                    os.path.abspath(__file__),
                    [*child_argv, "--variants", spec, "--repeats", "1", "--json", out],
                    {},
                    f"[{spec}, round {round_index + 1}]",
                    quiet=True,
                )
                if status != 0 or not os.path.exists(out):
                    failures[spec] = f"child process failed (exit {status})"
                    continue
                with open(out) as f:
                    payload = json.load(f)
                (result,) = payload["results"]
                if "error" in result:
                    failures[spec] = result["error"]
                    measured[spec] = {"description": result["description"]}
                    continue
                payloads.append(payload)
                loads.append(payload["machine"]["loadavg_start"][0])
                measured[spec] = {k: result[k] for k in ("description", "update", "flops_per_step")}
                rates.setdefault(spec, []).append(result["rates"][0])
                line.append(f"{spec} {result['rates'][0]:.0f}")
            print(f"  round {round_index + 1}/{args.repeats}: {', '.join(line)} img/s", flush=True)
    for spec in failures:
        rates.pop(spec, None)
    first = payloads[0] if payloads else {"machine": {}, "flops_per_step": {}}
    first["machine"].setdefault("loadavg_start", _common.loadavg())
    backend = first["machine"].get("backend")
    info = dict(first["machine"], loadavg_rounds=loads, loadavg_end=_common.loadavg())
    return {
        "config": _config(args, variants=specs, fresh_processes=True),
        "machine": info,
        "flops_per_step": first["flops_per_step"],
        "results": _results(args, backend, rates, measured, failures),
        "memory": {  # the largest of the processes
            key: max((p["memory"][key] for p in payloads), default=0.0)
            for key in ("rss_after_warmup_mb", "rss_end_mb", "peak_rss_mb")
        },
    }


def _config(args, **extra):
    """The run's settings, as written to the JSON."""
    return {
        "batch_size": args.batch_size,
        "steps": args.steps,
        "repeats": args.repeats,
        "warmup_steps": args.warmup_steps,
        "tiny": args.tiny,
        "small_model": args.small_model,
        **extra,
    }


def _ratio(value, reference):
    return None if not reference else round(value / reference, 3)


def _fmt(value, spec="{:.2f}"):
    return "n/a" if value is None else spec.format(value)


def print_table(results, backend_column=False):
    headers = ["variant", "description", "img/s (median)", "img/s (min-max)", "x (a)", "x (b)"]
    headers += ["GFLOP/step", "GFLOP/s"]
    if backend_column:
        headers.insert(0, "backend")
    rows = []
    for r in results:
        if "error" in r:
            row = [r["variant"], r["description"], "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"]
        else:
            row = [
                r["variant"],
                r["description"],
                f"{r['median']:.1f}",
                f"{r['worst']:.0f}-{r['best']:.0f}",
                _fmt(r["ratio_to_a"]),
                _fmt(r["ratio_to_b"]),
                f"{r['flops_per_step'] / 1e9:.2f}",
                f"{r['gflops_per_s']:.1f}",
            ]
        if backend_column:
            row.insert(0, r["backend"])
        rows.append(row)
    print(_common.format_table(headers, rows), flush=True)
    for r in results:
        if "error" in r:
            print(f"  {r['backend']} {r['variant']}: n/a, {r['error']}")
    intervals = [
        f"{r['variant']}/{name} {r[f'ratio_to_{name}']:.3f} [{r[key][0]:.3f}, {r[key][1]:.3f}]"
        f" (+-5%: ~{r[f'ratio_to_{name}_rounds_for_5pct']} rounds)"
        for r in results
        for name in ("a", "b")
        if (key := f"ratio_to_{name}_interval") in r and r[key] is not None
    ]
    if intervals:
        print("ratios, 90% paired bootstrap interval over rounds: " + "; ".join(intervals))


def print_summary(payload):
    memory = payload["memory"]
    machine = payload["machine"]
    print(
        f"memory: RSS after warm-up {memory['rss_after_warmup_mb']:.0f} MiB, "
        f"at end {memory['rss_end_mb']:.0f} MiB, peak {memory['peak_rss_mb']:.0f} MiB; "
        f"load average {machine['loadavg_start']} -> {machine['loadavg_end']}",
        flush=True,
    )
    targets = check_targets(payload["results"])
    for name, ok, value in targets:
        print(f"target {name}: {_fmt(value, '{:.3f}')} {'met' if ok else 'NOT met'}")


TARGETS = (
    ("c >= 1.2 x a", "c", "a", 1.2),
    ("c >= 0.8 x b", "c", "b", 0.8),
    ("e >= 1.0 x b", "e", "b", 1.0),
    ("c+reuse >= 1.15 x a", "c+reuse", "a", 1.15),
    ("c+reuse >= 0.9 x b", "c+reuse", "b", 0.9),
)


def check_targets(results):
    """`(name, met, ratio)` for each target whose variants were measured."""
    medians = {r["variant"]: r["median"] for r in results if "median" in r}
    out = []
    for name, x, y, threshold in TARGETS:
        if x in medians and y in medians:
            ratio = medians[x] / medians[y]
            out.append((name, ratio >= threshold, ratio))
    return out


def run_all_backends(args, argv):
    """Runs this script once per backend in a child process; merges their JSON."""
    import tempfile

    child_argv = _common.strip_option(_common.strip_option(list(argv), "--backend"), "--json")
    merged = {"config": None, "backends": {}, "results": []}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in _common.BACKENDS:
            out = os.path.join(tmp, f"{backend}.json")
            status = _common.run_child(
                os.path.abspath(__file__),
                [*child_argv, "--json", out],
                {"KERAS_BACKEND": backend},
                f"[{backend}]",
            )
            if status != 0 or not os.path.exists(out):
                merged["results"] += [
                    {
                        "variant": v,
                        "backend": backend,
                        "description": "",
                        "error": f"child process failed (exit {status})",
                    }
                    for v in args.variants
                ]
                continue
            with open(out) as f:
                payload = json.load(f)
            merged["config"] = payload["config"]
            merged["backends"][backend] = {
                "machine": payload["machine"],
                "memory": payload["memory"],
                "flops_per_step": payload["flops_per_step"],
            }
            merged["results"] += payload["results"]
    print()
    print_table(merged["results"], backend_column=True)
    for backend, data in merged["backends"].items():
        memory = data["memory"]
        print(
            f"{backend}: peak RSS {memory['peak_rss_mb']:.0f} MiB (after warm-up "
            f"{memory['rss_after_warmup_mb']:.0f}, end {memory['rss_end_mb']:.0f}); load "
            f"{data['machine']['loadavg_start']} -> {data['machine']['loadavg_end']}"
        )
    return merged


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.backend == "all":
        payload = run_all_backends(args, argv)
    elif not _common.select_backend(args.backend):
        # Keras is already imported with another backend: run in a child process.
        child_argv = _common.strip_option(list(argv), "--backend")
        return _common.run_child(
            os.path.abspath(__file__), child_argv, {"KERAS_BACKEND": args.backend}, ""
        )
    else:
        if args.fresh_processes:
            payload = measure_fresh(args, argv)
        else:
            configure_environment(args)
            warnings.filterwarnings("ignore", message=".*trainable.*")
            payload = measure(args)
        print()
        print_table(payload["results"])
        print_summary(payload)
    if args.json:
        _common.write_json(args.json, payload)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
