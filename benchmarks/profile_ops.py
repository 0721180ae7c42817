"""Where a training step's time goes, per TensorFlow op type, for each variant.

Runs `throughput.py`'s variants (TensorFlow backend), warms each up, then records a few
steps with `tf.profiler.experimental` and sums the TensorFlow ops' durations from the
trace (the `.xplane.pb` file, read with the protobuf classes TensorFlow ships; no
TensorBoard plugin needed). Prints, per variant, milliseconds per step by op type and by
part of the step (forward of G, forward of D, backward, optimizer), and the wall time,
as medians over interleaved rounds.

TensorFlow's inter-op pool is set to one thread (`--inter-op 1`): ops then run one at a
time, each with all intra-op threads, so their durations add up to the compute time of
a step and variants compare op for op. With more inter-op threads, independent ops
(say the generator's forward pass and the discriminator on the real batch) overlap
and stretch each other on a small CPU, and the summed durations exceed the wall time.
Tracing slows small ops down, and the wall times here include `fit`'s per-call setup:
take rates from `throughput.py`, and compare op times between variants.

    python benchmarks/profile_ops.py --variants a,b+alt,c,b --steps 4
"""

import argparse
import collections
import glob
import os
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

_OP = re.compile(r"^(?P<scope>[^:]*):(?P<type>[A-Za-z_][A-Za-z0-9_]*)$")


def part_of_step(scope):
    """The part of a step an op belongs to, from its name scope.

    `stateless_call` (keras_gan's frozen networks) drops the model's name scope, so
    layer names decide there: in this DCGAN only the generator has BatchNormalization
    and transposed convolutions, only the discriminator Dropout and plain convolutions.
    """
    lowered = scope.lower()
    if "gradient_tape" in lowered or "gradients" in lowered:
        return "backward"
    if "adam" in lowered or "optimizer" in lowered:
        return "optimizer"
    if any(k in lowered for k in ("generator", "conv2d_transpose", "batch_normalization")):
        return "forward G"
    if any(k in lowered for k in ("discriminator", "conv2d", "dense", "dropout")):
        return "forward D"
    return "other"


def op_times(logdir):
    """`{(part, op_type): picoseconds}` summed over the trace's TensorFlow ops."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    totals = collections.Counter()
    for path in glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True):
        space = xplane_pb2.XSpace()
        with open(path, "rb") as f:
            space.ParseFromString(f.read())
        for plane in space.planes:
            for line in plane.lines:
                if not line.name.startswith("tf_Compute"):
                    continue
                for event in line.events:
                    match = _OP.match(plane.event_metadata[event.metadata_id].name)
                    if match and "::" not in match.group(0):
                        key = (part_of_step(match.group("scope")), match.group("type"))
                        totals[key] += event.duration_ps
    return totals


def profile(variant, steps):
    """`({(part, op_type): ms per step}, wall ms per step)` of `steps` traced steps."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        _, timed = variant.run(steps)
        wall = time.perf_counter() - start
        tf.profiler.experimental.stop()
        totals = op_times(logdir)
    # `fit` variants run one untimed execution in front of the timed steps.
    executed = timed + getattr(variant, "steps_per_execution", 0)
    return {key: ps / 1e9 / executed for key, ps in totals.items()}, wall / executed * 1e3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default="a,b+alt,c,b", help="comma-separated (a,b+alt,c,b)")
    parser.add_argument("--steps", type=int, default=4, help="profiled steps (4)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--top", type=int, default=12, help="op types to list (12)")
    parser.add_argument("--tiny", action="store_true", help="a tiny model (tests)")
    parser.add_argument(
        "--inter-op", type=int, default=1, help="TensorFlow inter-op threads (1; 0: TF's)"
    )
    args = parser.parse_args(argv)
    if not _common.select_backend("tensorflow"):
        raise SystemExit("profile_ops.py needs the TensorFlow backend: KERAS_BACKEND=tensorflow")

    import throughput
    from _variants import Context
    from _variants import make_variant

    options = throughput.parse_args(
        ["--inter-op", str(args.inter_op)] + (["--tiny"] if args.tiny else [])
    )
    # Thread pools and log level, before TensorFlow starts (left as they are if it has).
    throughput.configure_environment(options)
    ctx = Context(options)
    variants = {}
    for spec in args.variants.split(","):
        variants[spec] = make_variant(spec, ctx)
        variants[spec].run(options.warmup_steps)
    # Interleaved rounds, medians per op: a shared machine's slow phases hit all alike.
    samples = {spec: [] for spec in variants}
    for round_index in range(args.rounds):
        for spec, variant in variants.items():
            samples[spec].append(profile(variant, args.steps))
            times, wall = samples[spec][-1]
            print(
                f"round {round_index + 1}/{args.rounds} {spec}: wall {wall:.1f} ms/step, "
                f"ops {sum(times.values()):.1f} ms/step",
                flush=True,
            )
    per_variant, walls = {}, {}
    for spec, runs in samples.items():
        keys = set().union(*(times for times, _ in runs))
        per_variant[spec] = {
            key: statistics.median(times.get(key, 0.0) for times, _ in runs) for key in keys
        }
        walls[spec] = statistics.median(wall for _, wall in runs)

    specs = list(per_variant)
    by_part = collections.defaultdict(dict)
    by_type = collections.defaultdict(dict)
    for spec, times in per_variant.items():
        for (part, op_type), ms in times.items():
            by_part[part][spec] = by_part[part].get(spec, 0.0) + ms
            by_type[op_type][spec] = by_type[op_type].get(spec, 0.0) + ms

    def table(groups, limit=None):
        order = sorted(groups, key=lambda k: -max(groups[k].values()))[:limit]
        rows = [[k, *(f"{groups[k].get(s, 0.0):.1f}" for s in specs)] for k in order]
        rows.append(["all ops", *(f"{sum(per_variant[s].values()):.1f}" for s in specs)])
        return _common.format_table(["ms/step", *specs], rows)

    print("\nBy part of the step (op time summed over threads):")
    print(table(by_part))
    print(f"\nBy op type (top {args.top}):")
    print(table(by_type, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
