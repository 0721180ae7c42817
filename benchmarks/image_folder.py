"""The streaming folder pipeline: its speed against the training step, and its memory.

Generates folders of 64x64 RGB PNG images (not committed), then, each measurement in a
fresh process, rounds interleaved:

- `pipeline`: images/s that `keras_gan.datasets.image_folder` delivers alone (decode,
  resize, scale, batch), over the whole folder, and the process's peak RSS;
- `step`: images/s of `GAN.fit` training steps of the 64 px DCGAN preset
  (`architectures.dcgan_preset(64)`, batch 64) on in-memory data;
- `train`: peak RSS of `keras-gan train --dataset FOLDER --image-size 64 --no-scores`
  for a few epochs of `--steps-per-epoch` batches, for the large and the small folder.

```bash
python benchmarks/image_folder.py --large 50000 --small 1000 --rounds 3
```
Targets: pipeline >= 5x the step's images/s; the training run's peak RSS on
the large folder within 1.5 GB of the small folder's.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _common  # noqa: E402

SIDE = 64


def make_folder(path, count, *, seed=0):
    """Writes `count` 64x64 RGB PNGs (smooth random colour fields) unless already there."""
    from PIL import Image

    os.makedirs(path, exist_ok=True)
    if len([n for n in os.listdir(path) if n.endswith(".png")]) == count:
        return path
    rng = np.random.default_rng(seed)
    for i in range(count):
        coarse = rng.integers(0, 256, (8, 8, 3), dtype="uint8")
        image = Image.fromarray(coarse).resize((SIDE, SIDE), Image.BILINEAR)
        image.save(os.path.join(path, f"{i:06d}.png"))
    return path


def measure_pipeline(folder, batch_size):
    """Images/s of one pass over the folder (after one warm-up batch), and peak RSS."""
    import keras_gan

    data = keras_gan.datasets.image_folder(folder, SIDE, batch_size=batch_size)
    iterator = iter(data)
    next(iterator)  # warm-up: pipeline start and tracing
    start = time.perf_counter()
    count = 0
    for batch in iterator:
        count += int(batch.shape[0])
    seconds = time.perf_counter() - start
    return {"images_per_s": count / seconds, "images": count, "peak_rss_mb": _common.peak_rss_mb()}


def measure_step(batch_size, steps):
    """Images/s of `GAN.fit` steps of the 64 px preset (after a warm-up fit)."""
    import keras
    import tensorflow as tf

    import keras_gan

    generator, discriminator = keras_gan.architectures.dcgan_preset(SIDE, 3, seed=0)
    gan = keras_gan.GAN(generator, discriminator, seed=0)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    images = np.random.default_rng(0).uniform(-1, 1, (batch_size, SIDE, SIDE, 3))
    data = tf.data.Dataset.from_tensors(images.astype("float32")).repeat()
    gan.fit(data, steps_per_epoch=2, epochs=1, verbose=0)  # tracing, compilation

    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            float(logs["g_loss"])  # waits for asynchronous backends
            times.append(time.perf_counter())

    gan.fit(data, steps_per_epoch=steps + 1, epochs=1, verbose=0, callbacks=[Clock()])
    seconds = times[-1] - times[0]  # from the end of the first step to the end of the last
    return {"images_per_s": steps * batch_size / seconds}


def measure_train(folder, args):
    """Peak RSS (MiB) of a `keras-gan train` child process on `folder`."""
    out = os.path.join(args.workdir, "runs")
    name = f"{os.path.basename(folder)}-{time.time_ns()}"
    command = [
        sys.executable, "-m", "keras_gan", "train", "--dataset", folder,
        "--image-size", str(SIDE), "--epochs", str(args.train_epochs),
        "--steps-per-epoch", str(args.train_steps), "--batch-size", str(args.batch_size),
        "--no-scores", "--quiet", "--output-dir", out, "--name", name,
    ]  # fmt: skip
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode()
    if status != 0:
        raise RuntimeError(f"keras-gan train failed on {folder}: {stderr.strip()[-500:]}")
    return {"peak_rss_mb": usage.ru_maxrss / 1024.0, "seconds": time.perf_counter() - start}


def child(argv):
    """Runs one measurement (`--child KIND`) and prints its JSON result."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("pipeline", "step"))
    parser.add_argument("--folder")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int)
    args = parser.parse_args(argv)
    if args.kind == "pipeline":
        result = measure_pipeline(args.folder, args.batch_size)
    else:
        result = measure_step(args.batch_size, args.steps)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


def run_child(argv):
    return _common.child_result(
        __file__, ["--child", *argv], what=" ".join(argv), env_updates={"TF_CPP_MIN_LOG_LEVEL": "3"}
    )


def spread(values):
    return f"{statistics.median(values):.0f} (min {min(values):.0f}, max {max(values):.0f})"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=50_000, help="images of the large folder")
    parser.add_argument("--small", type=int, default=1_000, help="images of the small folder")
    parser.add_argument("--workdir", default="/tmp/keras_gan_image_folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--step-steps", type=int, default=10, help="timed training steps")
    parser.add_argument("--train-epochs", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=10, help="--steps-per-epoch")
    parser.add_argument("--json", default=None, help="write the results there")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    large = make_folder(os.path.join(args.workdir, f"folder_{args.large}"), args.large)
    small = make_folder(os.path.join(args.workdir, f"folder_{args.small}"), args.small)
    print(f"folders ready in {time.perf_counter() - start:.0f} s: {large}, {small}", flush=True)
    loads = [_common.loadavg()]
    rows = {"pipeline": [], "step": [], "pipeline_rss_large": [], "pipeline_rss_small": []}
    rows.update({"train_rss_large": [], "train_rss_small": []})
    for i in range(args.rounds):
        batch = ["--batch-size", str(args.batch_size)]
        result = run_child(["pipeline", "--folder", large, *batch])
        rows["pipeline"].append(result["images_per_s"])
        rows["pipeline_rss_large"].append(result["peak_rss_mb"])
        result = run_child(["pipeline", "--folder", small, *batch])
        rows["pipeline_rss_small"].append(result["peak_rss_mb"])
        result = run_child(["step", "--steps", str(args.step_steps), *batch])
        rows["step"].append(result["images_per_s"])
        rows["train_rss_large"].append(measure_train(large, args)["peak_rss_mb"])
        rows["train_rss_small"].append(measure_train(small, args)["peak_rss_mb"])
        print(f"round {i + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in rows.items()))
        loads.append(_common.loadavg())
    ratios = [p / s for p, s in zip(rows["pipeline"], rows["step"])]
    gaps = [a - b for a, b in zip(rows["train_rss_large"], rows["train_rss_small"])]
    print(f"\npipeline images/s ({args.large} files, one pass): {spread(rows['pipeline'])}")
    print(f"training step images/s (64 px preset, batch {args.batch_size}): {spread(rows['step'])}")
    print(f"ratio pipeline / step, per round: {', '.join(f'{r:.1f}' for r in ratios)}")
    print(f"pipeline peak RSS MiB, {args.large} files: {spread(rows['pipeline_rss_large'])}")
    print(f"pipeline peak RSS MiB, {args.small} files: {spread(rows['pipeline_rss_small'])}")
    print(f"keras-gan train peak RSS MiB, {args.large} files: {spread(rows['train_rss_large'])}")
    print(f"keras-gan train peak RSS MiB, {args.small} files: {spread(rows['train_rss_small'])}")
    gaps = ", ".join(f"{g:.0f}" for g in gaps)
    print(f"train peak RSS gap (large - small) MiB, per round: {gaps}")
    print(f"load averages (1, 5, 15 min) before each round and at the end: {loads}")
    if args.json:
        _common.write_json(args.json, {"args": vars(args), "rows": rows, "loadavg": loads})
    return 0


if __name__ == "__main__":
    sys.exit(main())
