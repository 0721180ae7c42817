"""The `keras-gan` command: `train`, `sample` and `score` (also `python -m keras_gan`).

`keras-gan train` trains a DCGAN (on the bundled 8x8 digits by default) and writes,
under `runs/NAME/`: TensorBoard logs and image grids (`logs/`), checkpoints
(`checkpoints/`), the final `gan.keras` and `generator.keras`, `samples.png` and
`scores.json`. It ends by printing the Frechet distance, KID and classifier score of
the generator next to those of held-out real data (the best a generator can expect).
"""

import argparse
import json
import math
import os
import sys
import time

import keras
import numpy as np

from keras_gan import architectures
from keras_gan import callbacks
from keras_gan import datasets
from keras_gan import images
from keras_gan.gan import GAN
from keras_gan.losses import LOSS_NAMES
from keras_gan.metrics import GANQuality

#: `train`'s default epochs: about two minutes on two CPU cores for the digits.
DEFAULT_EPOCHS = 200
#: Generated sets averaged in the final scores.
DRAWS = 5


class _UsageError(Exception):
    """A bad command line, reported on one line instead of argparse's usage text."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(f"{self.prog}: error: {message}")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"Expected a positive integer. Received: {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"Expected a positive number. Received: {text!r}")
    return value


def _loss_name(text):
    if text not in LOSS_NAMES:
        raise argparse.ArgumentTypeError(
            f"Expected one of {', '.join(LOSS_NAMES)}. Received: {text!r}"
        )
    return text


def _ema_decay(text):
    value = _positive_float(text) if text not in ("0", "none", "None") else 0.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(
            f"Expected 0 (off) or a decay in (0, 1). Received: {text!r}"
        )
    return value or None


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"Expected a number >= 0. Received: {text!r}")
    return value


def _add_dataset_flags(parser):
    parser.add_argument(
        "--dataset",
        default="digits",
        help="digits (bundled, no download), mnist, fashion_mnist, cifar10, or a folder of images",
    )
    parser.add_argument(
        "--image-size", type=_positive_int, default=32, help="side of a folder's images"
    )
    parser.add_argument(
        "--color-mode", choices=("rgb", "grayscale"), default="rgb", help="of a folder's images"
    )
    parser.add_argument(
        "--max-samples", type=_positive_int, default=None, help="use at most N images per split"
    )


def build_parser() -> argparse.ArgumentParser:
    """Returns the `keras-gan` argument parser."""
    parser = _Parser(prog="keras-gan", description="Train and sample GANs with Keras.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    formatter = argparse.ArgumentDefaultsHelpFormatter

    train = commands.add_parser(
        "train",
        help="train a DCGAN (on the bundled digits by default)",
        description="Train a DCGAN; writes logs, image grids, checkpoints and the final "
        "generator under OUTPUT_DIR/NAME and prints FD, KID and classifier score.",
        formatter_class=formatter,
    )
    _add_dataset_flags(train)
    train.add_argument(
        "--epochs", type=_positive_int, default=DEFAULT_EPOCHS, help="passes over the data"
    )
    train.add_argument("--batch-size", type=_positive_int, default=32, help="images per step")
    train.add_argument(
        "--loss", type=_loss_name, default="non_saturating", help=", ".join(LOSS_NAMES)
    )
    train.add_argument("--d-lr", type=_positive_float, default=5e-4, help="discriminator Adam")
    train.add_argument("--g-lr", type=_positive_float, default=1e-3, help="generator Adam")
    train.add_argument("--latent-dim", type=_positive_int, default=32, help="noise size")
    train.add_argument(
        "--width", type=_positive_int, default=None, help="channels (32 up to 16 px, else 64)"
    )
    train.add_argument(
        "--ema-decay", type=_ema_decay, default=0.999, help="generator moving average, 0: off"
    )
    train.add_argument(
        "--augment",
        choices=("none", "diffaugment", "ada"),
        default="none",
        help="augment what the discriminator sees (small datasets: diffaugment)",
    )
    train.add_argument(
        "--r1", type=_non_negative_float, default=0.0, help="R1 penalty weight gamma, 0: off"
    )
    train.add_argument("--seed", type=int, default=0, help="of weights, noise and data order")
    train.add_argument("--output-dir", default="runs", help="parent of the run directory")
    train.add_argument(
        "--name", default=None, help="run directory name; when not given, DATASET-dcgan-TIME"
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar or messages")

    sample = commands.add_parser(
        "sample",
        help="write an image grid PNG from a .keras model",
        description="Write a grid of generated images (tanh outputs) to a PNG file.",
        formatter_class=formatter,
    )
    sample.add_argument("model", help="a whole GAN or a generator .keras file")
    sample.add_argument("--n", type=_positive_int, default=64, help="number of images")
    sample.add_argument("--out", default="samples.png", help="PNG file to write")
    sample.add_argument("--seed", type=int, default=0, help="of the noise")
    sample.add_argument(
        "--scale", type=_positive_int, default=None, help="pixel upscaling (None: to >= 32 px)"
    )
    sample.add_argument(
        "--num-classes", type=_positive_int, default=None, help="for a conditional generator"
    )

    score = commands.add_parser(
        "score",
        help="print FD, KID and classifier score of a .keras model",
        description="Score a generator against a dataset's training images, next to the "
        "scores of its held-out images.",
        formatter_class=formatter,
    )
    score.add_argument("model", help="a whole GAN or a generator .keras file")
    _add_dataset_flags(score)
    score.add_argument(
        "--num-classes", type=_positive_int, default=None, help="for a conditional generator"
    )
    return parser


def main(argv=None) -> int:
    """Runs `keras-gan` with `argv` (default: `sys.argv[1:]`); returns the exit status.

    Errors are reported on one line on stderr (no traceback), with status 2 for a bad
    command line and 1 for anything else.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as e:
        print(f"{e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return {"train": _train, "sample": _sample, "score": _score}[args.command](args)
    except KeyboardInterrupt:
        print("keras-gan: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one line for the user, no traceback
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"keras-gan {args.command}: error: {message}", file=sys.stderr)
        return 1


# ------------------------------------------------------------------- helpers
def _load_data(args, split):
    folder = {}
    if args.dataset not in datasets.LOADERS:
        size = args.image_size
        folder = {"image_size": (size, size), "color_mode": args.color_mode}
    return datasets.get(args.dataset, split, max_samples=args.max_samples, **folder)


def _load_model(path):
    if not os.path.isfile(path):
        raise ValueError(f"Expected an existing .keras model file. Received: {path!r}")
    try:
        return keras.models.load_model(path)
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ValueError(
            "Expected a model saved with `model.save('x.keras')` (a whole GAN or a "
            f"generator). Received: {path!r}, which failed to load: {type(e).__name__}: {first}"
        ) from e


def _generate(model, n, seed, num_classes):
    """`n` samples from a GAN, or from a generator alone with the GAN's noise."""
    if isinstance(model, GAN):
        return model.generate(n, seed=seed)
    if not isinstance(model, keras.Model):
        raise ValueError(f"Expected a GAN or a generator model. Received: {type(model).__name__}")
    inputs = model.inputs
    noise = keras.ops.convert_to_numpy(
        keras.random.normal((n, int(inputs[0].shape[-1])), seed=seed)
    )
    if len(inputs) == 1:
        return model.predict(noise, batch_size=256, verbose=0)
    if num_classes is None:
        raise ValueError(
            "Expected --num-classes for a conditional generator (inputs [noise, labels]). "
            "Received: no --num-classes"
        )
    labels = (np.arange(n) % num_classes).astype("int32")
    labels = labels.reshape((n,) + tuple(d or 1 for d in inputs[1].shape[1:]))
    return model.predict([noise, labels], batch_size=256, verbose=0)


def _save_grid(samples, path, scale=None):
    side = min(samples.shape[1:3])
    scale = scale or max(1, 32 // side)
    grid = images.make_grid(samples, (-1.0, 1.0), padding=1)
    grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    images.save_png(grid, path)


class _Judge:
    """FD / KID / classifier score against a dataset's training split.

    The classifier (and its feature layer) is trained in-process on the training
    split; a dataset with a single label is compared on raw pixels, without a
    classifier score. Generated sets have as many samples as the held-out split, so
    both rows of the report have the same sample-size bias.
    """

    def __init__(self, args, quiet=False, every_n_epochs=1):
        self.dataset = args.dataset
        self.train_images, train_labels = _load_data(args, "train")
        self.test_images, _ = _load_data(args, "test")
        classifier = extractor = None
        if len(np.unique(train_labels)) > 1:
            if not quiet:
                print(f"Training the {args.dataset} classifier for the scores...", flush=True)
            epochs = 30 if len(self.train_images) < 5000 else 3
            classifier = architectures.train_classifier(
                self.train_images, train_labels, epochs=epochs, seed=0
            )
            extractor = architectures.feature_extractor(classifier)
        self.quality = GANQuality(
            self.train_images,
            extractor,
            classifier,
            num_samples=self.num_samples,
            every_n_epochs=every_n_epochs,
        )

    @property
    def num_samples(self):
        return max(2, len(self.test_images))

    def report(self, generate):
        """Prints and returns the scores of `generate(n, seed)` and of held-out data.

        The generated scores are the mean over `DRAWS` sets of samples.
        """
        draws = [self.quality.scores(generate(self.num_samples, 1000 + i)) for i in range(DRAWS)]
        generated = {key: float(np.mean([d[key] for d in draws])) for key in draws[0]}
        results = {
            "generated": generated,
            "generated_draws": draws,
            "held_out_real": self.quality.scores(self.test_images),
        }
        features = "pixels" if self.quality.feature_extractor is None else "classifier features"
        print(
            f"\nScores against the {len(self.train_images)} {self.dataset} training images "
            f"({features}); generated: mean of {DRAWS} sets of {self.num_samples} samples, "
            f"as many as the held-out real images:"
        )
        print(f"  {'':15s}{'FD':>10s}{'KID':>10s}{'classifier score':>18s}")
        for label, row in (("generated", generated), ("held-out real", results["held_out_real"])):
            score = row.get("classifier_score")
            shown = f"{score:18.3f}" if score is not None else f"{'-':>18s}"
            print(f"  {label:15s}{row['fd']:10.4f}{row['kid']:10.4f}{shown}")
        return results


# ------------------------------------------------------------------ commands
def _train(args):
    name = (
        args.name
        or f"{os.path.basename(os.path.normpath(args.dataset))}-dcgan-"
        + time.strftime("%Y%m%d-%H%M%S")
    )
    run_dir = os.path.join(args.output_dir, name)
    if os.path.isdir(run_dir) and os.listdir(run_dir):
        raise ValueError(
            f"Expected a new run directory. Received: --name {name!r}, and {run_dir!r} "
            "already holds files (choose another --name or --output-dir)"
        )
    keras.utils.set_random_seed(args.seed)
    judge = _Judge(args, quiet=args.quiet, every_n_epochs=max(1, args.epochs // 8))
    train_images = judge.train_images
    image_shape = train_images.shape[1:]
    width = args.width or (32 if max(image_shape[:2]) <= 16 else 64)
    generator = architectures.dcgan_generator(
        image_shape, args.latent_dim, width=width, seed=args.seed
    )
    discriminator = architectures.dcgan_discriminator(image_shape, width=width, seed=args.seed + 1)
    gan = GAN(generator, discriminator, seed=args.seed, ema_decay=args.ema_decay)
    gan.compile(
        keras.optimizers.Adam(args.d_lr, beta_1=0.5),
        keras.optimizers.Adam(args.g_lr, beta_1=0.5),
        loss=args.loss,
        augment=None if args.augment == "none" else args.augment,
        r1_penalty=args.r1,
    )
    logs = os.path.join(run_dir, "logs")
    every = max(1, args.epochs // 20)
    fit_callbacks = [
        judge.quality,  # before TensorBoard, which then logs fd, kid, classifier_score
        keras.callbacks.TensorBoard(logs, write_graph=False),
        callbacks.ImageGrid(logs, num_images=64, every_n_epochs=every),
        callbacks.GANCheckpoint(
            os.path.join(run_dir, "checkpoints"), every_n_epochs=max(1, args.epochs // 10)
        ),
    ]
    if not args.quiet:
        print(
            f"Training a DCGAN on {len(train_images)} {args.dataset} images of shape "
            f"{image_shape} -> {run_dir}"
        )
    start = time.time()
    gan.fit(
        train_images,
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=True,
        verbose=0 if args.quiet else 1,
        callbacks=fit_callbacks,
    )
    seconds = time.time() - start
    gan.save(os.path.join(run_dir, "gan.keras"))
    gan.sampling_generator.save(os.path.join(run_dir, "generator.keras"))
    _save_grid(gan.generate(64, seed=0), os.path.join(run_dir, "samples.png"))
    results = judge.report(lambda n, seed: gan.generate(n, seed=seed))
    results.update(
        {
            "seconds": round(seconds, 1),
            "epochs": args.epochs,
            "command": " ".join(["keras-gan", *args.argv]),
        }
    )
    with open(os.path.join(run_dir, "scores.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"Trained {args.epochs} epochs in {seconds:.0f} s. Run directory: {run_dir}")
    return 0


def _sample(args):
    model = _load_model(args.model)
    samples = _generate(model, args.n, args.seed, args.num_classes)
    _save_grid(samples, args.out, args.scale)
    print(f"Wrote {args.n} samples to {args.out}")
    return 0


def _score(args):
    model = _load_model(args.model)
    judge = _Judge(args)
    shape = _generate(model, 1, 0, args.num_classes).shape[1:]
    if shape != judge.train_images.shape[1:]:
        raise ValueError(
            f"Expected the model to generate {args.dataset} images of shape "
            f"{judge.train_images.shape[1:]}. Received: samples of shape {shape}"
        )
    judge.report(lambda n, seed: _generate(model, n, seed, args.num_classes))
    return 0
