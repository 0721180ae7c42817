"""`keras-gan sample`: an image grid, one PNG file per sample, or an interpolation grid.

The samples come from `keras_gan.sampling`; this module turns the command line's flags
into its calls and writes the grids.
"""

import math

import numpy as np

from keras_gan import images
from keras_gan import sampling
from keras_gan.gan import GAN

#: A grid's tiles are upscaled to at least this side, unless `--scale`.
MIN_TILE_SIDE = 32


def sample(args, model):
    """Runs `keras-gan sample` on a loaded `model`; returns the line to print."""
    num_classes = _num_classes(model, args.num_classes)
    kwargs = {"seed": args.seed, "label": args.label, "num_classes": num_classes}
    if args.out_dir is not None:
        sampling.write_samples(
            model,
            args.n,
            args.out_dir,
            batch_size=args.batch_size,
            verbose=0 if args.quiet else 1,
            **kwargs,
        )
        named = " (the class in each name)" if num_classes is not None else ""
        return f"Wrote {args.n} PNG files to {args.out_dir}{named}"
    if args.interpolate:
        rows = args.rows or num_classes or 8
        samples = _flat(sampling.interpolate(model, rows, args.steps, **kwargs))
        ncols = args.steps
        message = (
            f"Wrote an interpolation grid of {rows} row{'s' * (rows > 1)} x {args.steps} steps"
        )
    elif num_classes is not None and args.label is None:
        per_class = math.ceil(args.n / num_classes)
        samples = _flat(
            sampling.class_rows(model, per_class, seed=args.seed, num_classes=num_classes)
        )
        ncols = per_class
        message = f"Wrote {num_classes} x {per_class} samples (one row per class)"
    else:
        samples = sampling.generate(model, args.n, batch_size=args.batch_size, **kwargs)
        ncols = None
        message = f"Wrote {args.n} samples"
    save_grid(samples, args.out, ncols, args.scale)
    return f"{message} to {args.out}"


def save_grid(samples, path, ncols=None, scale=None):
    """Writes `samples` (tanh outputs) as a grid of `ncols` columns, upscaled `scale` times.

    `ncols=None` makes a near-square grid; `scale=None` upscales the tiles to a side of
    `MIN_TILE_SIDE` or more (as `keras-gan train`'s `samples.png`).
    """
    scale = scale or max(1, MIN_TILE_SIDE // min(samples.shape[1:3]))
    grid = images.make_grid(samples, (-1.0, 1.0), ncols, padding=1)
    images.save_png(np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1), path)


def _flat(rows):
    """Samples of shape `(rows, columns, ...)` as `(rows * columns, ...)`."""
    return rows.reshape((-1,) + rows.shape[2:])


def _num_classes(model, num_classes):
    """The classes of a conditional model, None for one without; `--num-classes` checked."""
    if isinstance(model, GAN):
        own = getattr(model, "num_classes", None)
        if own is not None and num_classes not in (None, own):
            raise ValueError(
                f"Expected --num-classes {own}, the GAN's, or none. "
                f"Received: --num-classes {num_classes}"
            )
        return own
    if len(model.inputs) == 1:
        return None
    if num_classes is None:
        raise ValueError(
            "Expected --num-classes for a conditional generator (inputs [noise, labels]). "
            "Received: no --num-classes"
        )
    return num_classes
