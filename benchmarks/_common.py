"""Helpers shared by the benchmark scripts: models, FLOP counts, memory, machine facts.

Nothing here imports Keras at module level: the scripts choose `KERAS_BACKEND` (and
TensorFlow's environment switches) before Keras is first imported.
"""

import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time

BACKENDS = ("tensorflow", "jax", "torch")
# TensorFlow/XLA's C++ log lines (absl), which TF_CPP_MIN_LOG_LEVEL does not silence.
_LOG_NOISE = re.compile(r"^([IWE]\d{4} |WARNING: All log messages before absl)")


# --------------------------------------------------------------------- machine
def cpu_model():
    """The CPU's model name from /proc/cpuinfo (or `platform.processor()`)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    """The set of CPU feature flags from /proc/cpuinfo (empty when unavailable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def has_bf16():
    """Whether the CPU computes in bfloat16 natively (AVX512-BF16 or AMX)."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def loadavg():
    """The 1, 5 and 15 minute load averages, rounded."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return [float("nan")] * 3


def machine_info():
    import keras

    info = {
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "bf16": has_bf16(),
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.config.backend(),
        "loadavg_start": loadavg(),
    }
    name = keras.config.backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[name]
    info[module] = __import__(module).__version__
    return info


def set_torch_threads(n):
    """`torch.set_num_threads(n)` when n > 0 and the backend is PyTorch."""
    if not n:
        return
    import keras

    if keras.config.backend() == "torch":
        import torch

        torch.set_num_threads(n)


def torch_threads():
    """PyTorch's intra-op thread count, or None when torch is not in use."""
    import keras

    if keras.config.backend() != "torch":
        return None
    import torch

    return torch.get_num_threads()


# ---------------------------------------------------------------------- memory
_largest_rss_seen = 0.0


def rss_mb():
    """The process's resident set size now, in MiB (VmRSS from /proc/self/status)."""
    global _largest_rss_seen
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024.0
                    _largest_rss_seen = max(_largest_rss_seen, rss)
                    return rss
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb():
    """The process's peak resident set size so far, in MiB.

    The kernel's high-water mark (`ru_maxrss`), or the largest `rss_mb()` reading if
    that is higher: the kernel updates its mark lazily (not when an allocator returns
    pages with `madvise`), so it can lag a reading by a few pages.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0
    return max(peak, _largest_rss_seen)


# ---------------------------------------------------------------------- models
# `dcgan_28`'s sizes: the tutorial's, and the tiny model of `--tiny` / `--small-model`.
FULL_DCGAN = {"latent_dim": 100, "widths": (256, 128, 64)}
SMALL_DCGAN = {"latent_dim": 16, "widths": (16, 8, 4)}


def dcgan_28(*, latent_dim=100, widths=(256, 128, 64), seed=0):
    """The TensorFlow DCGAN tutorial's 28x28 generator and discriminator.

    `widths` are the generator's channels (256, 128, 64); the discriminator mirrors
    the last two (64, 128). `--tiny` shrinks them.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    w0, w1, w2 = widths
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(7 * 7 * w0, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, w0)),
            layers.Conv2DTranspose(w1, 5, strides=1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(w2, 5, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(
                1, 5, strides=2, padding="same", use_bias=False, activation="tanh"
            ),
        ],
        name="generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(w2, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Conv2D(w1, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1),
        ],
        name="discriminator",
    )
    return generator, discriminator


def synthetic_images(n, *, seed=0):
    """`n` random 28x28x1 float32 images in [-1, 1] (the tutorial's scaling)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, size=(n, 28, 28, 1)).astype("float32")


# ----------------------------------------------------------------------- FLOPs
def forward_macs(model, *, block_diagonal=False):
    """Multiply-accumulates of one sample's forward pass through `model`.

    Counts Dense, Conv and Conv-transpose layers from their kernel and output shapes
    (elementwise layers, BatchNorm, activations, biases and R3GAN's low-pass resampling
    are left out: a few % at most here). A convolution does `prod(kernel.shape)` MACs
    per output position; a transposed convolution the same per *input* position. A
    grouped convolution's kernel is `(kh, kw, in_channels / groups, out_channels)`: its
    useful arithmetic, `groups` times less than a dense convolution's. With
    `block_diagonal`, grouped convolutions count `groups` times that: what the
    block-diagonal layout (`GroupedConv2D` on CPUs before #30) executed.
    """
    import math

    from keras import layers

    from keras_gan import _keras_internals

    total = 0
    for layer in _keras_internals.all_layers(model, include_self=False):
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        kernel_size = math.prod(kernel.shape)
        if isinstance(layer, layers.Dense):
            positions = math.prod(layer.output.shape[1:-1]) if len(layer.output.shape) > 2 else 1
        elif isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose)):
            positions = math.prod(layer.input.shape[1:-1])
        elif isinstance(layer, (layers.Conv1D, layers.Conv2D)):
            positions = math.prod(layer.output.shape[1:-1])
        else:
            continue
        if block_diagonal:
            kernel_size *= getattr(layer, "groups", 1)
        total += kernel_size * positions
    return total


def step_flops(
    generator,
    discriminator,
    batch_size,
    update,
    *,
    r1=False,
    r2=False,
    penalty_every=1,
    relativistic=False,
    block_diagonal=False,
):
    """FLOPs of one training step, counted analytically (2 FLOPs per MAC).

    Convention: a forward pass costs F; its backward pass costs 2F when the network's
    weights are trained (F for the activation gradients, F for the weight gradients)
    and F when gradients only flow through it to its input (a frozen network).

    - `"alternating"` (classic loop, GAN.fit default): the discriminator update runs G
      forward (F_G) and D forward+backward on the real and the fake batch (2 x 3F_D);
      the generator update runs G forward+backward (3F_G) and the frozen D forward and
      backward to its input (2F_D). Total 4F_G + 8F_D per sample.
    - `"reuse_fakes"` (`compile(reuse_fakes=True)`): one G forward+backward (3F_G), the
      discriminator update as above (6F_D), the frozen D forward and backward to its
      input on the same batch (2F_D). Total 3F_G + 8F_D per sample.
    - `"simultaneous"` (the TF tutorial's step, `update="simultaneous"`): one G
      forward+backward (3F_G), D forward+backward on the real batch (3F_D) and on the
      fake batch forward once, backward once for D's weights (2F_D) and once more for
      the generator's loss (F_D). Total 3F_G + 7F_D per sample.

    On top of these:

    - R1 (`r1`) and R2 (`r2`), each on every `penalty_every`-th discriminator update:
      the penalty runs D forward on its batch (F_D) and backward to the input (F_D),
      a graph of 2F_D; the update differentiates that graph again with respect to D's
      weights (the double backward), which costs twice the graph (4F_D). 6F_D per
      sample each, divided by `penalty_every`.
    - A relativistic loss (`relativistic`: the generator's loss reads the real
      scores) runs the frozen D forward on the real batch in the generator update
      (F_D, no backward: the scores are constants there) under `"alternating"` and
      `"reuse_fakes"`; `"simultaneous"` reuses the discriminator pass's scores.

    Grouped convolutions count their useful arithmetic (`forward_macs`), or what the
    block-diagonal layout executed with `block_diagonal`.
    """
    fg = 2 * forward_macs(generator, block_diagonal=block_diagonal)
    fd = 2 * forward_macs(discriminator, block_diagonal=block_diagonal)
    per_sample = {
        "alternating": 4 * fg + 8 * fd,
        "reuse_fakes": 3 * fg + 8 * fd,
        "simultaneous": 3 * fg + 7 * fd,
    }[update]
    per_sample += (int(bool(r1)) + int(bool(r2))) * 6 * fd / penalty_every
    if relativistic and update != "simultaneous":
        per_sample += fd
    return per_sample * batch_size


# -------------------------------------------------------------- statistics/io
def summarize(rates):
    return {
        "median": statistics.median(rates),
        "best": max(rates),
        "worst": min(rates),
        "rounds": len(rates),
    }


def bootstrap_ratio(rates, reference, *, resamples=2000, seed=0):
    """The 5th and 95th percentiles of `median(rates) / median(reference)` over
    bootstrap resamples of the rounds, paired (round i of both is drawn together:
    interleaved rounds share the machine's load). None with fewer than 2 rounds."""
    import numpy as np

    rates, reference = np.asarray(rates, float), np.asarray(reference, float)
    if len(rates) != len(reference) or len(rates) < 2:
        return None
    draws = np.random.default_rng(seed).integers(0, len(rates), (resamples, len(rates)))
    ratios = np.median(rates[draws], axis=1) / np.median(reference[draws], axis=1)
    low, high = np.percentile(ratios, [5, 95])
    return float(low), float(high)


def mean_interval(values, *, resamples=4000, seed=0):
    """The 5th and 95th percentiles of the mean of `values` over bootstrap resamples
    (of the seeds, say). None with fewer than 2 values."""
    import numpy as np

    values = np.asarray(values, float)
    if len(values) < 2:
        return None
    draws = np.random.default_rng(seed).integers(0, len(values), (resamples, len(values)))
    low, high = np.percentile(values[draws].mean(axis=1), [5, 95])
    return float(low), float(high)


def rounds_for(interval, ratio, rounds, tolerance=0.05):
    """Rounds for the 90% interval of `ratio` to shrink to +-`tolerance` (relative),
    assuming its width falls as 1/sqrt(rounds)."""
    half_width = (interval[1] - interval[0]) / 2 / ratio
    return max(2, math.ceil(rounds * (half_width / tolerance) ** 2))


def write_json(path, payload):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=2, sort_keys=False)
        f.write("\n")


def format_table(headers, rows):
    """A GitHub-flavoured Markdown table (also readable as plain text)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in cells]
    return "\n".join([line, rule, *body])


def run_child(script, argv, env_updates, prefix, quiet=False):
    """Runs `python script argv` with `env_updates`, echoing its output with `prefix`.

    With `quiet`, the output is echoed only when the child fails. Returns the exit status.
    """
    env = dict(os.environ)
    env.update(env_updates)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    command = [sys.executable, script, *argv]
    print(
        f"{prefix} $ {' '.join(f'{k}={v}' for k, v in env_updates.items())} "
        f"{os.path.basename(sys.executable)} {' '.join(command[1:])}",
        flush=True,
    )
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    for line in process.stdout:
        if _LOG_NOISE.match(line):
            continue
        if quiet:
            lines.append(line)
        else:
            print(f"{prefix} {line}", end="", flush=True)
    status = process.wait()
    if not quiet or status != 0:
        for line in lines:
            print(f"{prefix} {line}", end="", flush=True)
        print(f"{prefix} exit {status} after {time.perf_counter() - start:.0f} s", flush=True)
    return status


def child_result(script, argv, *, what, env_updates=None):
    """Runs `python script argv` and returns the JSON its stdout printed after `RESULT `
    (the last such line); raises `RuntimeError` naming `what`, with the end of its
    stderr, when it prints none."""
    env = dict(os.environ)
    env.update(env_updates or {})
    command = [sys.executable, os.path.abspath(script), *argv]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def resumable_runs(path, plan, run, *, after_each=None):
    """Runs `run(item)` for each item of `plan` that the JSON list at `path` holds no
    result for, appending each result and rewriting the file as it comes.

    An item is a dict of the fields that name a run (`{"arm": ..., "seed": ...}`); a
    result holds them, so a result is the item's when it matches every field. Each new
    result is printed on a line, then `after_each(results)` is called (to redraw a
    table). Returns every result, the file's first.
    """
    results = []
    if os.path.exists(path):
        with open(path) as f:
            results = json.load(f)
    for item in plan:
        if any(all(r.get(k) == v for k, v in item.items()) for r in results):
            continue
        result = run(item)
        print(json.dumps(result), flush=True)
        results.append(result)
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        with open(path, "w") as f:
            json.dump(results, f, indent=1)
        if after_each is not None:
            after_each(results)
    return results


def strip_option(argv, name):
    """`argv` without the option `name` and its value (`--name VALUE` or `--name=VALUE`)."""
    out, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == name:
            skip = True
        elif not item.startswith(name + "="):
            out.append(item)
    return out


def select_backend(name):
    """Sets `KERAS_BACKEND` to `name` unless Keras is already imported with another.

    Returns True when this process can run `name`, False when it needs a child process.
    """
    if name in (None, "", "current"):
        return True
    if "keras" in sys.modules:
        import keras

        return keras.config.backend() == name
    os.environ["KERAS_BACKEND"] = name
    return True
