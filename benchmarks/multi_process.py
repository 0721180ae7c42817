"""Two JAX processes on this machine against one: what the collectives cost.

The same small DCGAN (16x16, global batch 64) trains in one process, and in two
processes on loopback (`keras.distribution.initialize`, gloo CPU collectives,
`DataParallel(auto_shard_dataset=False)`, each process fed its half of every global
batch). Each round starts fresh processes for both, in alternating order; a rate is
global images per second over `--steps` timed steps after a warm-up epoch (the
compilation). The ratio is two processes' rate over one's: the median over rounds,
with its per-round range and a 90% paired bootstrap interval.

On one machine both processes share its cores, so the ratio is the collectives' and
the sharing's cost together, not a speed-up. On real hosts, run one process per host
(same command, each its `--process-id`) and compare with one host's `--num-processes 1`:

    KERAS_BACKEND=jax python benchmarks/multi_process.py --rounds 5 --steps 60
    python benchmarks/multi_process.py --one --process-id I --num-processes N \\
        --coordinator HOST0:12345 --steps 200
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys

import _common

GLOBAL_BATCH = 64
IMAGE_SHAPE = (16, 16, 1)


def run_one(process_id, num_processes, coordinator, steps, tiny=False):
    """Global images per second of `steps` timed steps of this process's run."""
    import time

    os.environ["KERAS_BACKEND"] = "jax"
    import keras

    if num_processes > 1:
        keras.distribution.initialize(coordinator, num_processes, process_id)
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(auto_shard_dataset=False)
        )
    import numpy as np

    import keras_gan
    from keras_gan import architectures

    width = 4 if tiny else 32
    keras.utils.set_random_seed(0)
    gan = keras_gan.GAN(
        architectures.dcgan_generator(IMAGE_SHAPE, width=width, dense_units=width, seed=0),
        architectures.dcgan_discriminator(IMAGE_SHAPE, width=width, seed=1),
        seed=2,
    )
    gan.compile(keras.optimizers.Adam(2e-4), keras.optimizers.Adam(2e-4))
    share = GLOBAL_BATCH // num_processes
    rng = np.random.default_rng(process_id)
    images = rng.uniform(-1, 1, (share * steps,) + IMAGE_SHAPE).astype("float32")
    fit = dict(batch_size=share, epochs=1, shuffle=False, verbose=0)
    gan.fit(images[: share * 2], **fit)  # compiles the step
    start = time.perf_counter()
    history = gan.fit(images, **fit)
    seconds = time.perf_counter() - start
    assert np.isfinite(history.history["d_loss"][-1])
    return steps * GLOBAL_BATCH / seconds


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_processes(steps, tiny, timeout):
    """Process 0's rate in a run of 2 processes on loopback."""
    coordinator = f"127.0.0.1:{_free_port()}"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "jax"}
    command = [sys.executable, os.path.abspath(__file__), "--one", "--num-processes", "2"]
    command += ["--coordinator", coordinator, "--steps", str(steps), *(["--tiny"] * tiny)]
    processes = [
        subprocess.Popen(
            [*command, "--process-id", str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        for i in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=timeout) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                os.killpg(p.pid, 9)  # its own session: only what this function started
                p.wait()
    lines = [line for line in outputs[0][0].splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(f"the 2-process run failed: {outputs[0][1].strip()[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])["rate"]


def summarize(rates):
    """Medians, the two / one ratio of medians, the per-round ratios' range and the
    ratio's 90% paired bootstrap interval, from `{"one": [...], "two": [...]}`."""
    per_round = [t / o for t, o in zip(rates["two"], rates["one"])]
    return {
        "rates": rates,
        "median": {k: statistics.median(v) for k, v in rates.items()},
        "ratio_two_to_one": statistics.median(rates["two"]) / statistics.median(rates["one"]),
        "per_round_ratio_range": [min(per_round), max(per_round)],
        "interval_90": _common.bootstrap_ratio(rates["two"], rates["one"]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=60, help="timed steps per run (60)")
    parser.add_argument("--tiny", action="store_true", help="a tiny model (for the tests)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run (600)")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--one", action="store_true", help="run one process, print its rate")
    parser.add_argument("--process-id", type=int, default=0)
    parser.add_argument("--num-processes", type=int, default=1)
    parser.add_argument("--coordinator", default=None, help="process 0's HOST:PORT")
    args = parser.parse_args(argv)
    if args.one:
        rate = run_one(
            args.process_id, args.num_processes, args.coordinator, args.steps, tiny=args.tiny
        )
        print("RESULT " + json.dumps({"rate": rate}), flush=True)
        print(f"process {args.process_id}/{args.num_processes}: {rate:.0f} global img/s")
        return 0
    rates = {"one": [], "two": []}
    for round_ in range(args.rounds):
        order = ("one", "two") if round_ % 2 == 0 else ("two", "one")
        for variant in order:
            if variant == "one":
                result = _common.child_result(
                    __file__,
                    ["--one", "--steps", str(args.steps), *(["--tiny"] * args.tiny)],
                    what="the 1-process run",
                    env_updates={"TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "jax"},
                )["rate"]
            else:
                result = _two_processes(args.steps, args.tiny, args.timeout)
            rates[variant].append(result)
            print(f"round {round_ + 1}/{args.rounds} {variant}: {result:.0f} img/s", flush=True)
    result = {
        "machine": _common.machine_info(),
        "steps": args.steps,
        "global_batch": GLOBAL_BATCH,
        **summarize(rates),
    }
    interval = result["interval_90"]
    text = f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "(one round: none)"
    low, high = result["per_round_ratio_range"]
    print(
        f"1 process {result['median']['one']:.0f} img/s, 2 processes "
        f"{result['median']['two']:.0f} img/s; 2 / 1 = {result['ratio_two_to_one']:.3f} "
        f"(rounds {low:.3f}-{high:.3f}, 90% interval {text})"
    )
    if args.json:
        _common.write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
