"""Settings that might make `GAN.fit` beat the hand-written TF step (b) on a CPU.

Runs `throughput.py` (TensorFlow backend) once per setting, each in a fresh process
(threading, oneDNN and the dtype policy must be set before TensorFlow starts), and
each measuring (b) side by side with the candidates in the same process. Reports every
candidate's images/second and its ratio to (b) of the same process, and to (b) of the
default process (a cross-process ratio, noisier).

    python benchmarks/tuning.py --json tuning.json

Settings: `steps_per_execution` values and XLA on/off (one process), TensorFlow's
inter/intra-op thread pools, oneDNN off, and `mixed_bfloat16` when the CPU has
bfloat16 instructions (avx512_bf16 or amx_bf16 in /proc/cpuinfo).
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

IN_PROCESS = "b,b+xla,c,c+spe4,c+spe16,c+xla,d,e,e+spe8,e+xla,e+xla+spe8"
PER_SETTING = "b,c,e,e+xla+spe8"


def settings(nproc):
    yield "default (same process)", [], IN_PROCESS
    threads = sorted({1, max(1, nproc // 2), nproc})
    for intra in threads:
        for inter in (1, 2):
            label = f"intra_op={intra}, inter_op={inter}"
            yield label, ["--intra-op", str(intra), "--inter-op", str(inter)], PER_SETTING
    yield "oneDNN off (TF_ENABLE_ONEDNN_OPTS=0)", ["--onednn", "0"], PER_SETTING
    if _common.has_bf16():
        yield "mixed_bfloat16", ["--dtype-policy", "mixed_bfloat16"], PER_SETTING


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=16, help="timed steps per measurement (16)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds per setting (3)")
    parser.add_argument("--tiny", action="store_true", help="tiny model, few settings (tests)")
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON to OUT")
    args = parser.parse_args(argv)

    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "throughput.py")
    common = ["--steps", str(args.steps), "--repeats", str(args.repeats)]
    if args.tiny:
        common.append("--tiny")
    plan = list(settings(os.cpu_count() or 1))
    if args.tiny:
        plan = [plan[0][:2] + ("b,c+spe4",), plan[1][:2] + ("b,c",)]
    rows, baseline = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for index, (label, options, variants) in enumerate(plan):
            out = os.path.join(tmp, f"{index}.json")
            argv_child = [*common, *options, "--variants", variants, "--json", out]
            env = {"KERAS_BACKEND": "tensorflow"}
            status = _common.run_child(script, argv_child, env, f"[{index + 1}/{len(plan)}]")
            if status != 0 or not os.path.exists(out):
                rows.append({"setting": label, "error": f"exit {status}"})
                continue
            with open(out) as f:
                payload = json.load(f)
            by_variant = {r["variant"]: r for r in payload["results"]}
            b = by_variant.get("b", {}).get("median")
            if baseline is None:
                baseline = b
            for r in payload["results"]:
                rows.append(
                    {
                        "setting": label,
                        "variant": r["variant"],
                        "description": r["description"],
                        "median": r.get("median"),
                        "ratio_to_b": r.get("ratio_to_b"),
                        "ratio_to_default_b": (
                            round(r["median"] / baseline, 3)
                            if r.get("median") and baseline
                            else None
                        ),
                        "loadavg": payload["machine"]["loadavg_rounds"],
                        "error": r.get("error"),
                    }
                )
    headers = ["setting", "variant", "img/s (median)", "x (b) same process", "x default (b)"]
    table = []
    for row in rows:
        if row.get("median") is None:
            table.append([row["setting"], row.get("variant", ""), "n/a", "n/a", "n/a"])
            continue
        table.append(
            [
                row["setting"],
                row["variant"],
                f"{row['median']:.1f}",
                f"{row['ratio_to_b']:.2f}",
                f"{row['ratio_to_default_b']:.2f}",
            ]
        )
    print()
    print(_common.format_table(headers, table))
    winners = [r for r in rows if r.get("variant", "b") != "b" and (r.get("ratio_to_b") or 0) > 1.0]
    print(f"\n{len(winners)} setting/variant pairs beat (b) of their own process.")
    if args.json:
        _common.write_json(args.json, {"rows": rows, "cpu": _common.cpu_model()})
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
