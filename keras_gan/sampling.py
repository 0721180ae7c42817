"""Samples of a GAN or a generator alone, for people and for other tools.

`write_samples` writes one PNG file per sample, streamed batch by batch, for the FID
tools that read a folder (clean-fid, torch-fidelity); `generate`, `class_rows` and
`interpolate` return samples laid out for an image grid.

The noise is standard normal, as a `GAN` draws it, drawn with NumPy from `seed` in
order: the same seed gives the same noise whatever the batch size and the backend, and
`generate(model, 64, seed=s)` shows the first 64 files of `write_samples(model, n, dir,
seed=s)`. (`GAN.generate` draws with `keras.random` and so gives other samples.)
"""

import os

import keras
import numpy as np

from keras_gan import checks
from keras_gan import images
from keras_gan.gan import GAN

#: Samples per generator call.
DEFAULT_BATCH_SIZE = 256


class _Sampler:
    """A generator with the noise size and, when conditional, the classes it needs."""

    def __init__(self, model, num_classes=None):
        if isinstance(model, GAN):
            own_classes = getattr(model, "num_classes", None)
            if own_classes is not None and num_classes not in (None, own_classes):
                raise ValueError(
                    f"Expected the GAN's own {own_classes} classes (or num_classes=None). "
                    f"Received: num_classes={num_classes!r}"
                )
            self.generator, self.latent_dim = model.sampling_generator, model.latent_dim
            self.num_classes = own_classes
        elif isinstance(model, keras.Model) and getattr(model, "inputs", None):
            self.generator, self.latent_dim = model, int(model.inputs[0].shape[-1])
            self.num_classes = None
            if len(model.inputs) == 2:
                if num_classes is None:
                    raise ValueError(
                        "Expected `num_classes` for a conditional generator (inputs [noise, "
                        "labels]). Received: num_classes=None"
                    )
                self.num_classes = checks.check_num_classes(num_classes)
        else:
            raise ValueError(
                "Expected a GAN or a generator (a built Keras model from noise to images). "
                f"Received: {type(model).__name__}"
            )
        self.label_shape = ()
        if self.num_classes is not None:
            self.label_shape = tuple(d or 1 for d in self.generator.inputs[1].shape[1:])

    def check_label(self, label):
        """Returns `label` as an int in `[0, num_classes)`, or None."""
        if label is None:
            return None
        if self.num_classes is None:
            raise ValueError(
                "Expected no label for a generator without classes (one input, the noise). "
                f"Received: label={label!r}"
            )
        if not (checks.is_int_at_least(label, 0) and label < self.num_classes):
            raise ValueError(
                f"Expected `label` to be a class in [0, {self.num_classes}). "
                f"Received: label={label!r}"
            )
        return int(label)

    def labels(self, start, count, label):
        """The labels of samples `start` to `start + count`: cycling, or all `label`."""
        if self.num_classes is None:
            return None
        if label is not None:
            return np.full(count, label, "int32")
        return (np.arange(start, start + count) % self.num_classes).astype("int32")

    def __call__(self, noise, labels=None):
        inputs = noise.astype("float32")
        if labels is not None:
            inputs = [inputs, labels.reshape((len(labels),) + self.label_shape)]
        return keras.ops.convert_to_numpy(self.generator.predict_on_batch(inputs))

    def batches(self, n, seed, label, batch_size):
        """An iterator of `(start, labels, samples)`, batch by batch, the noise drawn in order.

        The arguments are checked now, before the first batch is asked for.
        """
        n = checks.check_positive_int(n, "n")
        batch_size = checks.check_positive_int(batch_size, "batch_size")
        return self._batches(n, np.random.default_rng(seed), self.check_label(label), batch_size)

    def _batches(self, n, rng, label, batch_size):
        for start in range(0, n, batch_size):
            count = min(batch_size, n - start)
            labels = self.labels(start, count, label)
            yield start, labels, self(rng.standard_normal((count, self.latent_dim)), labels)


def generate(
    model, n: int, *, seed=None, label=None, num_classes=None, batch_size=DEFAULT_BATCH_SIZE
) -> np.ndarray:
    """Returns `n` samples, those `write_samples` writes first for the same arguments.

    Args:
        model: a `GAN` (its `sampling_generator` runs) or a generator model alone, with
            inputs noise `(batch, latent_dim)` or `[noise, labels]`.
        n: number of samples.
        seed: int for reproducible samples. Defaults to `None`.
        label: for a conditional generator, the class of every sample. Defaults to
            `None`, which cycles through the classes (`0, 1, ..., num_classes - 1, 0, ...`).
        num_classes: the classes of a conditional generator alone (a `ConditionalGAN`
            knows its own). Defaults to `None`.
        batch_size: samples per generator call. Defaults to `256`.

    Returns:
        Array of shape `(n,) + sample_shape`.
    """
    sampler = _Sampler(model, num_classes)
    return np.concatenate(
        [samples for _, _, samples in sampler.batches(n, seed, label, batch_size)]
    )


def write_samples(
    model,
    n: int,
    out_dir,
    *,
    seed=None,
    label=None,
    num_classes=None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    value_range=(-1.0, 1.0),
    verbose: int = 1,
) -> None:
    """Writes `n` samples as PNG files into a new or empty folder, one batch at a time.

    The files are `000000.png`, `000001.png`, ... (more digits past a million), 8-bit
    grayscale for one channel, RGB for three and RGBA for four: the folder that clean-fid
    and torch-fidelity read. A conditional generator's files are named
    `000000_class0.png`, ..., the labels cycling through the classes unless `label` is
    given. Only one batch is held in memory at a time, whatever `n`.

    Args:
        model: a `GAN` or a generator model alone, as for `generate`.
        n: number of samples.
        out_dir: the folder to write (`str` or `os.PathLike`); made if missing, refused if
            it holds anything (files of an earlier run would mix with the new ones).
        seed: int for reproducible files. Defaults to `None`.
        label: for a conditional generator, the class of every sample. Defaults to `None`.
        num_classes: the classes of a conditional generator alone. Defaults to `None`.
        batch_size: samples per generator call. Defaults to `256`.
        value_range: the `(low, high)` range of the generator's pixels. Defaults to
            `(-1.0, 1.0)` (tanh).
        verbose: 1 for a progress bar (`keras.utils.Progbar`), 0 for none. Defaults to `1`.

    Example:
    ```python
    keras_gan.sampling.write_samples(gan, 50_000, "fakes", seed=0)
    # then, e.g.: cleanfid.fid.compute_fid("fakes", "reals")
    ```
    """
    sampler = _Sampler(model, num_classes)
    images.check_value_range(value_range)
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(
            f"Expected a folder to write the samples into. Received: {out_dir!r}, a file"
        )
    if os.path.isdir(out_dir) and os.listdir(out_dir):
        raise ValueError(
            "Expected a new or empty folder to write the samples into (files of an earlier "
            f"run would mix with them). Received: {out_dir!r}, which holds "
            f"{len(os.listdir(out_dir))} entries"
        )
    batches = sampler.batches(n, seed, label, batch_size)  # checks the arguments
    digits = max(6, len(str(n - 1)))
    progbar = keras.utils.Progbar(n, unit_name="image") if verbose else None
    os.makedirs(out_dir, exist_ok=True)
    for start, labels, samples in batches:
        for i, pixels in enumerate(images.to_uint8(samples, value_range), start):
            suffix = "" if labels is None else f"_class{labels[i - start]}"
            images.save_png(pixels, os.path.join(out_dir, f"{i:0{digits}d}{suffix}.png"))
        if progbar is not None:
            progbar.update(start + len(samples))


def class_rows(model, per_class: int, *, seed=None, num_classes=None) -> np.ndarray:
    """Returns `per_class` samples of each class, one row per class, for a grid.

    Column `j` gives every class the same noise: what changes down a column is the class
    alone.

    Args:
        model: a conditional `GAN` or generator alone, as for `generate`.
        per_class: samples of each class (the columns).
        seed: int for reproducible samples. Defaults to `None`.
        num_classes: the classes of a conditional generator alone. Defaults to `None`.

    Returns:
        Array of shape `(num_classes, per_class) + sample_shape`.

    Example:
    ```python
    rows = keras_gan.sampling.class_rows(cgan, 8, seed=0)
    grid = keras_gan.images.make_grid(rows.reshape((-1,) + rows.shape[2:]), ncols=8)
    ```
    """
    sampler = _Sampler(model, num_classes)
    if sampler.num_classes is None:
        raise ValueError(
            "Expected a conditional generator (inputs [noise, labels]). Received: a "
            "generator without classes (one input, the noise)"
        )
    per_class = checks.check_positive_int(per_class, "per_class")
    noise = np.random.default_rng(seed).standard_normal((per_class, sampler.latent_dim))
    noise = np.tile(noise, (sampler.num_classes, 1))
    labels = np.repeat(np.arange(sampler.num_classes, dtype="int32"), per_class)
    samples = _in_batches(sampler, noise, labels)
    return samples.reshape((sampler.num_classes, per_class) + samples.shape[1:])


def interpolate(
    model, rows: int = 8, steps: int = 8, *, seed=None, label=None, num_classes=None
) -> np.ndarray:
    """Returns samples along spherical interpolations between random pairs of noise vectors.

    Row `r` goes from one random noise vector to another in `steps` equal angles (`slerp`):
    a straight line between two standard normal vectors passes near the origin, where
    their norm (about `sqrt(latent_dim)`) shrinks by up to `sqrt(2)` and the generator
    saw almost no noise in training; the arc keeps the norm. A conditional generator's
    row `r` is of class `r % num_classes`, or of `label`.

    Args:
        model: a `GAN` or a generator model alone, as for `generate`.
        rows: pairs of noise vectors. Defaults to `8`.
        steps: samples per row, both ends included (at least 2). Defaults to `8`.
        seed: int for reproducible samples. Defaults to `None`.
        label: for a conditional generator, the class of every row. Defaults to `None`.
        num_classes: the classes of a conditional generator alone. Defaults to `None`.

    Returns:
        Array of shape `(rows, steps) + sample_shape`.

    Example:
    ```python
    path = keras_gan.sampling.interpolate(gan, rows=4, steps=10, seed=0)
    grid = keras_gan.images.make_grid(path.reshape((-1,) + path.shape[2:]), ncols=10)
    ```
    """
    sampler = _Sampler(model, num_classes)
    rows = checks.check_positive_int(rows, "rows")
    steps = checks.check_int(steps, "steps", 2)
    label = sampler.check_label(label)
    ends = np.random.default_rng(seed).standard_normal((rows, 2, sampler.latent_dim))
    noise = slerp(ends[:, 0], ends[:, 1], np.linspace(0.0, 1.0, steps))
    labels = None
    if sampler.num_classes is not None:
        labels = sampler.labels(0, rows, label)
        labels = np.repeat(labels, steps)
    samples = _in_batches(sampler, noise.reshape(rows * steps, -1), labels)
    return samples.reshape((rows, steps) + samples.shape[1:])


def slerp(a, b, t) -> np.ndarray:
    """Spherical linear interpolation between vectors `a` and `b` (Shoemake, 1985).

    `slerp(a, b, t) = sin((1 - t) w) / sin(w) a + sin(t w) / sin(w) b`, `w` the angle
    between `a` and `b`: equal angle steps, and vectors of equal norms stay on their
    sphere. Nearly parallel vectors (`sin(w) < 1e-6`) are interpolated linearly. Used for
    Gaussian noise by White (2016), "Sampling Generative Networks", arXiv:1609.04468.

    Args:
        a: array of shape `(..., dim)`, the start (`t = 0`).
        b: array of the same shape, the end (`t = 1`).
        t: the positions, an array of shape `(steps,)`.

    Returns:
        `float64` array of shape `(..., steps, dim)`.
    """
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    t = np.asarray(t, "float64").reshape(-1, 1)
    if a.shape != b.shape or a.ndim == 0:
        raise ValueError(
            f"Expected vectors a and b of the same shape. Received: a.shape={a.shape}, "
            f"b.shape={b.shape}"
        )

    def unit(v):
        return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)

    cos = np.clip(np.sum(unit(a) * unit(b), axis=-1), -1.0, 1.0)
    omega = np.arccos(cos)[..., None, None]
    sin = np.sin(omega)
    curved = sin >= 1e-6
    safe = np.where(curved, sin, 1.0)
    weight_a = np.where(curved, np.sin((1.0 - t) * omega) / safe, 1.0 - t)
    weight_b = np.where(curved, np.sin(t * omega) / safe, t)
    return weight_a * a[..., None, :] + weight_b * b[..., None, :]


def _in_batches(sampler, noise, labels):
    parts = []
    for start in range(0, len(noise), DEFAULT_BATCH_SIZE):
        stop = start + DEFAULT_BATCH_SIZE
        parts.append(sampler(noise[start:stop], None if labels is None else labels[start:stop]))
    return np.concatenate(parts)
