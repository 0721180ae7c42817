"""The `keras-gan` command: `train`, `sample` and `score` (also `python -m keras_gan`).

`keras-gan train` trains a GAN, by default the DCGAN of `keras_gan.recipes.dcgan`, or
with `--recipe r3gan` the modern baseline (on the bundled 8x8 digits by default, or
streamed from a folder of images) and writes, under `runs/NAME/`: TensorBoard logs and image
grids (`logs/`), checkpoints (`checkpoints/`), the final `gan.keras` and
`generator.keras`, `samples.png` and `scores.json`, and its settings (`args.json`, before
training). It ends by printing the Frechet distance, KID, precision, recall, density,
coverage, memorization and classifier score of the generator next to those of held-out real
data (the best a generator can expect). `keras-gan train --resume RUN_DIR` continues a
killed or finished run from its newest checkpoint with its saved settings (`--epochs`: the
new total), exactly for the datasets held in memory (the README says what is not exact).

The arguments are read before Keras and TensorFlow are imported (`--help` answers at
once); then, unless `--verbose`, TensorFlow's start-up logs, Python warnings from Keras
and its backends, and retracing messages are silenced, so that only keras_gan's own
output shows.
"""

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import time
import warnings

import numpy as np

#: `train`'s default epochs: about two minutes on two CPU cores for the digits.
DEFAULT_EPOCHS = 200
#: The names of `keras_gan.losses.LOSS_NAMES` (a test keeps them equal), listed here so
#: that `--help` needs no Keras import.
LOSS_NAMES = (
    "minimax",
    "non_saturating",
    "wasserstein",
    "hinge",
    "least_squares",
    "relativistic",
    "relativistic_hinge",
)
#: `--recipe` choices (`keras_gan.recipes.RECIPES`; a test keeps them equal).
RECIPES = ("dcgan", "r3gan")
#: What `train` says it trains, per recipe.
RECIPE_NAMES = {"dcgan": "a DCGAN", "r3gan": "an R3GAN"}
#: The flags of the dcgan recipe that `--recipe r3gan` sets itself.
R3GAN_FIXED_FLAGS = ("--loss", "--d-lr", "--g-lr", "--ema-decay", "--reuse-fakes", "--r1")
#: The `--augment` values `--recipe r3gan` takes: ADA steers its probability by the share
#: of real scores above the loss's real/fake boundary, and the relativistic loss has none
#: (`keras_gan.compile_settings._check_adaptive_augment`).
R3GAN_AUGMENTS = ("none", "diffaugment")
#: The flags `--resume` takes: the run's other settings are its saved ones.
RESUME_FLAGS = ("--resume", "--epochs", "--quiet", "--verbose")
#: Checkpoints a run writes at most (and one after its last epoch): a killed run
#: loses at most 1/20 of its epochs.
CHECKPOINTS_PER_RUN = 20
#: Image sides of a folder dataset: those of the DCGAN presets.
FOLDER_IMAGE_SIZES = (32, 64, 128)
#: Real images of a folder held in memory for the scores, per split.
FOLDER_SCORE_IMAGES = 2000
#: `--features` choices (see `keras_gan._cli_scores.feature_models`).
FEATURES = ("auto", "classifier", "inception", "fid-inception", "pixels")
#: `--fid-resize` choices (`keras_gan.metrics.fid_inception.RESIZE_MODES`, listed here so
#: that `--help` needs no Keras import).
FID_RESIZE_MODES = ("legacy_tensorflow", "clean")
#: Loggers of the libraries below keras_gan, quieted unless `--verbose`.
_LIBRARY_LOGGERS = ("tensorflow", "absl", "jax", "torch", "keras", "h5py")


def _import_modules(verbose):
    """Imports Keras (with its backend) and keras_gan's modules into this module.

    Unless `verbose`, TensorFlow logs only fatal errors, the lines its C++ code writes
    to stderr while it loads are dropped, and Keras', TensorFlow's and the backends'
    Python warnings and log messages below errors are hidden.
    """
    global keras, architectures, callbacks, datasets, images, recipes, scores, GAN
    global _cli_run, _distribute, load_gan, non_finite_logs
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        warnings.filterwarnings("ignore", module=r"(keras|tensorflow|jax|torch|absl)(\.|$)")
        for name in _LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
    with contextlib.nullcontext() if verbose else _stderr_dropped():
        import keras
        import tensorflow as tf  # tf.data and tf.summary, on every backend

        if not verbose:
            tf.get_logger().setLevel(logging.ERROR)
            tf.autograph.set_verbosity(0)

        from keras_gan import _cli_run
        from keras_gan import _cli_scores as scores
        from keras_gan import _distribute
        from keras_gan import architectures
        from keras_gan import callbacks
        from keras_gan import datasets
        from keras_gan import images
        from keras_gan import recipes
        from keras_gan.callbacks.terminate_on_nan import non_finite_logs
        from keras_gan.gan import GAN
        from keras_gan.saving import load_gan


@contextlib.contextmanager
def _stderr_dropped():
    """Sends what C/C++ code writes to file descriptor 2 to /dev/null meanwhile.

    TensorFlow's native libraries log while they load, before any log level applies.
    An exception raised meanwhile still reaches the caller, and is reported on stderr
    afterwards.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


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


def _folder_image_size(text):
    value = _positive_int(text)
    if value not in FOLDER_IMAGE_SIZES:
        raise argparse.ArgumentTypeError(
            f"Expected {', '.join(map(str, FOLDER_IMAGE_SIZES))} (the DCGAN presets). "
            f"Received: {text!r}"
        )
    return value


def _background(text):
    """`--background`: white, black or R,G,B (0..255) for a folder's transparent pixels."""
    if text in ("white", "black"):
        return text
    try:
        value = tuple(int(v) for v in text.split(","))
    except ValueError:
        value = ()
    if len(value) != 3 or not all(0 <= v <= 255 for v in value):
        raise argparse.ArgumentTypeError(
            f"Expected white, black or R,G,B with each in 0..255. Received: {text!r}"
        )
    return value


def _add_verbose_flag(parser):
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also show TensorFlow's, Keras' and the backends' logs and warnings",
    )


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
        help="digits (bundled, no download), mnist, fashion_mnist, cifar10, or a folder of "
        "images (png, jpg, bmp, gif, webp, tiff, ico; class subfolders or not), streamed from disk",
    )
    parser.add_argument(
        "--image-size",
        type=_folder_image_size,
        default=64,
        help="side a folder's images are resized to: 32, 64 or 128",
    )
    parser.add_argument(
        "--color-mode", choices=("rgb", "grayscale"), default="rgb", help="of a folder's images"
    )
    parser.add_argument(
        "--background",
        type=_background,
        default="white",
        help="colour a folder's transparent pixels are composited onto: white, black or R,G,B",
    )
    parser.add_argument(
        "--max-samples", type=_positive_int, default=None, help="use at most N images per split"
    )


def _add_scoring_flags(parser):
    parser.add_argument(
        "--features",
        choices=FEATURES,
        default="auto",
        help="features of the scores: auto is classifier for data with 2+ classes, else "
        "inception with a GPU (or on a CPU, with its weights in ~/.keras/models and a few "
        "minutes' worth of images), else pixels (downscaled to 16 px); fid-inception is the 2015 "
        "Inception network of published FIDs (docs/fid.md)",
    )
    parser.add_argument(
        "--fid-weights",
        default=None,
        metavar="FILE",
        help="with --features fid-inception: pytorch-fid's pt_inception-2015-12-05-6726825d.pth; "
        "None: downloaded once to ~/.keras/models",
    )
    parser.add_argument(
        "--fid-resize",
        choices=FID_RESIZE_MODES,
        default="legacy_tensorflow",
        help="with --features fid-inception: the resize protocol, TF1 bilinear as the original "
        "FID code or clean-fid's PIL bicubic",
    )
    parser.add_argument(
        "--fid-reference-stats",
        default=None,
        metavar="FILE.npz",
        help="also report the FD against these statistics (arrays mu and sigma, e.g. "
        "published ones; same features and protocol)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Returns the `keras-gan` argument parser."""
    parser = _Parser(prog="keras-gan", description="Train and sample GANs with Keras.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    formatter = argparse.ArgumentDefaultsHelpFormatter

    train = commands.add_parser(
        "train",
        help="train a GAN, a DCGAN or an R3GAN (on the bundled digits by default)",
        description="Train a GAN (--recipe dcgan or r3gan); writes logs, image grids, "
        "checkpoints and the final generator under OUTPUT_DIR/NAME and prints FD, KID and "
        "classifier score. --resume RUN_DIR continues a killed or finished run.",
        formatter_class=formatter,
        epilog="Recipes: --recipe dcgan takes every flag above. --recipe r3gan sets "
        f"{', '.join(R3GAN_FIXED_FLAGS)} itself (giving one is an error), takes --augment "
        f"{' or '.join(R3GAN_AUGMENTS)} (not ada: the relativistic loss has no real/fake "
        "boundary to steer ADA by) and the other flags. --resume RUN_DIR continues a "
        "killed or finished run from its newest checkpoint with its saved settings "
        "(RUN_DIR/args.json); it takes only --epochs (the new total), --quiet and "
        "--verbose.",
    )
    parser.train_parser = train  # `_flags_given` reads its flags
    _add_dataset_flags(train)
    _add_scoring_flags(train)
    train.add_argument(
        "--resume",
        default=None,
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR exactly where its newest checkpoint left it, with "
        "its saved settings (--epochs: the new total)",
    )
    train.add_argument(
        "--epochs", type=_positive_int, default=DEFAULT_EPOCHS, help="passes over the data"
    )
    train.add_argument("--batch-size", type=_positive_int, default=32, help="images per step")
    train.add_argument(
        "--recipe",
        choices=RECIPES,
        default="dcgan",
        help="dcgan: DCGAN networks, non-saturating loss, the flags below; r3gan: the modern "
        "baseline (R3GAN networks, relativistic loss, R1 + R2, schedules), which the flags "
        f"{', '.join(R3GAN_FIXED_FLAGS)} do not apply to (docs/recipes.md)",
    )
    train.add_argument(
        "--loss", type=_loss_name, default="non_saturating", help=", ".join(LOSS_NAMES)
    )
    train.add_argument("--d-lr", type=_positive_float, default=5e-4, help="discriminator Adam")
    train.add_argument("--g-lr", type=_positive_float, default=1e-3, help="generator Adam")
    train.add_argument(
        "--latent-dim",
        type=_positive_int,
        default=None,
        help="noise size (None: 128 for 32-128 px images, else 32)",
    )
    train.add_argument(
        "--width",
        type=_positive_int,
        default=None,
        help="channels at full resolution (None: the preset's at 32, 64 and 128 px; "
        "else 32 up to 16 px, 64 above)",
    )
    train.add_argument(
        "--ema-decay", type=_ema_decay, default=0.999, help="generator moving average, 0: off"
    )
    train.add_argument(
        "--reuse-fakes",
        action="store_true",
        help="one generator pass per step: the G update reuses the D update's batch",
    )
    train.add_argument(
        "--augment",
        choices=("none", "diffaugment", "ada"),
        default="none",
        help="augment every batch the discriminator sees; ada for a small dataset "
        "(measurements: docs/little_data.md)",
    )
    train.add_argument(
        "--r1", type=_non_negative_float, default=0.0, help="R1 penalty weight gamma, 0: off"
    )
    train.add_argument("--seed", type=int, default=0, help="of weights, noise and data order")
    train.add_argument("--output-dir", default="runs", help="parent of the run directory")
    train.add_argument(
        "--name", default=None, help="run directory name; when not given, DATASET-RECIPE-TIME"
    )
    train.add_argument(
        "--steps-per-epoch",
        type=_positive_int,
        default=None,
        help="batches per epoch, drawn from passes over the data one after the other (a "
        "folder is then repeated); None: one pass over the data",
    )
    train.add_argument(
        "--no-scores", action="store_true", help="skip the per-epoch and final scores"
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar or messages")
    _add_verbose_flag(train)

    sample = commands.add_parser(
        "sample",
        help="write an image grid PNG, or one PNG per sample, from a .keras model",
        description="Write a grid of generated images (tanh outputs) to a PNG file, one row "
        "per class for a conditional generator; or, with --out-dir, one PNG file per sample "
        "(for clean-fid or torch-fidelity); or, with --interpolate, a grid of spherical "
        "interpolations between random noise vectors.",
        formatter_class=formatter,
    )
    sample.add_argument("model", help="a whole GAN or a generator .keras file")
    sample.add_argument(
        "--n",
        type=_positive_int,
        default=64,
        help="number of images (a conditional grid: rounded up to a multiple of the classes)",
    )
    sample.add_argument("--out", default="samples.png", help="grid PNG file to write")
    mode = sample.add_mutually_exclusive_group()
    mode.add_argument(
        "--out-dir",
        default=None,
        metavar="DIR",
        help="instead of a grid, write N files DIR/000000.png ... (a conditional generator's "
        "named 000000_class0.png ...) into a new or empty folder, streamed in batches",
    )
    mode.add_argument(
        "--interpolate",
        action="store_true",
        help="instead of samples, write a grid of --rows interpolations in --steps steps",
    )
    sample.add_argument(
        "--rows",
        type=_positive_int,
        default=None,
        help="with --interpolate: pairs of noise vectors (None: one per class, else 8)",
    )
    sample.add_argument(
        "--steps", type=_positive_int, default=8, help="with --interpolate: columns, ends included"
    )
    sample.add_argument("--seed", type=int, default=0, help="of the noise")
    sample.add_argument(
        "--scale", type=_positive_int, default=None, help="pixel upscaling (None: to >= 32 px)"
    )
    sample.add_argument(
        "--num-classes", type=_positive_int, default=None, help="for a conditional generator"
    )
    sample.add_argument(
        "--label",
        type=int,
        default=None,
        help="a conditional generator's class for every image (None: each class in turn)",
    )
    sample.add_argument(
        "--batch-size", type=_positive_int, default=256, help="images per generator call"
    )
    sample.add_argument("--quiet", action="store_true", help="no progress bar or messages")
    _add_verbose_flag(sample)

    score = commands.add_parser(
        "score",
        help="print FD, KID and classifier score of a .keras model",
        description="Score a generator against a dataset's training images, next to the "
        "scores of its held-out images.",
        formatter_class=formatter,
    )
    score.add_argument("model", help="a whole GAN or a generator .keras file")
    _add_dataset_flags(score)
    _add_scoring_flags(score)
    score.add_argument(
        "--num-classes", type=_positive_int, default=None, help="for a conditional generator"
    )
    _add_verbose_flag(score)
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
    if args.command == "train":
        try:
            _check_train_flags(args)
        except _UsageError as e:
            print(f"{e}", file=sys.stderr)
            return 2
    try:
        _import_modules(args.verbose)
        return {"train": _train, "sample": _sample, "score": _score}[args.command](args)
    except KeyboardInterrupt:
        print("keras-gan: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one line for the user, no traceback
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"keras-gan {args.command}: error: {message}", file=sys.stderr)
        return 1


def _check_train_flags(args):
    """Refuses, before Keras is imported, flags that `train` cannot run together."""
    prefix = "keras-gan train: error: "
    if args.resume is not None:
        given = _flags_given(args.argv, RESUME_FLAGS, unlisted=True)
        if given:
            raise _UsageError(
                f"{prefix}Expected only {', '.join(RESUME_FLAGS[1:])} with --resume, which "
                "reads the run's other settings from RUN_DIR/args.json (start a new run to "
                f"change them). Received: {' '.join(given)}"
            )
    elif args.recipe == "r3gan" and args.augment not in R3GAN_AUGMENTS:
        raise _UsageError(
            f"{prefix}Expected --augment {' or --augment '.join(R3GAN_AUGMENTS)} with "
            "--recipe r3gan: ADA steers its probability by the share of real scores above "
            "the loss's real/fake boundary, and the relativistic loss has none (use --recipe "
            f"dcgan for ADA). Received: --augment {args.augment}"
        )


# ------------------------------------------------------------------- helpers
def _is_folder(args):
    return args.dataset not in datasets.LOADERS


def _load_data(args, split):
    """The images of a split in memory; of a folder, at most `FOLDER_SCORE_IMAGES`."""
    if not _is_folder(args):
        return datasets.get(args.dataset, split, max_samples=args.max_samples)
    size = args.image_size
    return datasets.get(
        args.dataset,
        split,
        max_samples=min(args.max_samples or FOLDER_SCORE_IMAGES, FOLDER_SCORE_IMAGES),
        image_size=(size, size),
        color_mode=args.color_mode,
        background=args.background,
    )


def _training_data(args, initial_epoch=0):
    """`(data, image_shape, count, fit_kwargs)` of `train`; a folder is streamed.

    In-memory images come in an order drawn from `--seed` and the batch's place in the
    run (`_cli_run.epoch_stream`), starting at epoch `initial_epoch`: a resumed run sees
    the batches the uninterrupted run would have seen.
    """
    if not _is_folder(args):
        train_images, _ = _load_data(args, "train")
        count = len(train_images)
        steps = args.steps_per_epoch or _cli_run.batches_per_pass(count, args.batch_size)
        data = _cli_run.epoch_stream(
            train_images, args.batch_size, args.seed, start_batch=initial_epoch * steps
        )
        return data, train_images.shape[1:], count, {"steps_per_epoch": steps}
    from keras_gan.datasets.image_folder import list_images

    datasets.check_name(args.dataset)
    size = args.image_size
    files, _ = list_images(
        args.dataset, split="train", seed=args.seed, max_samples=args.max_samples
    )
    data = datasets.image_folder(
        args.dataset,
        size,
        batch_size=args.batch_size,
        color_mode=args.color_mode,
        seed=args.seed,
        labels=None,
        split="train",
        max_samples=args.max_samples,
        background=args.background,
    )
    if args.steps_per_epoch is not None:
        data = data.repeat()
    channels = 3 if args.color_mode == "rgb" else 1
    kwargs = {"shuffle": False, "steps_per_epoch": args.steps_per_epoch}
    return data, (size, size, channels), len(files), kwargs


def _build_gan(args, image_shape, count):
    """`(gan, callbacks)` of `--recipe` for `image_shape`, the flags applied."""
    if args.recipe == "r3gan":
        given = _flags_given(args.argv, R3GAN_FIXED_FLAGS)
        if given:
            raise ValueError(
                f"Expected none of {', '.join(given)} with --recipe r3gan, which sets the "
                "loss, learning rates, moving average and penalties itself (use --recipe "
                f"dcgan to choose them). Received: {' '.join(given)}"
            )
        return recipes.r3gan(
            image_shape,
            # The schedules end where the run does: a partial batch counts its images.
            total_images=_cli_run.run_images(
                args.epochs, count, args.batch_size, args.steps_per_epoch
            ),
            seed=args.seed,
            width=args.width,
            augment=None if args.augment == "none" else args.augment,
            **({} if args.latent_dim is None else {"latent_dim": args.latent_dim}),
        )
    return recipes.dcgan(
        image_shape,
        seed=args.seed,
        latent_dim=args.latent_dim,
        width=args.width,
        loss=args.loss,
        d_learning_rate=args.d_lr,
        g_learning_rate=args.g_lr,
        ema_decay=args.ema_decay,
        reuse_fakes=args.reuse_fakes,
        augment=None if args.augment == "none" else args.augment,
        r1_penalty=args.r1,
    )


def _flags_given(argv, flags, unlisted=False):
    """Which of `train`'s `flags` `argv` gives (abbreviated or not), default or not.

    With `unlisted`, which of `train`'s flags other than `flags` it gives.
    """
    parser = build_parser()
    train = parser.train_parser
    unset = object()
    dests = {}
    for action in train._actions:
        if not action.option_strings or action.default == argparse.SUPPRESS:
            continue  # --help
        if any(flag in action.option_strings for flag in flags) != unlisted:
            action.default = unset
            dests[action.dest] = action.option_strings[0]
    args = parser.parse_args(argv)
    return [flag for dest, flag in dests.items() if getattr(args, dest) is not unset]


def _unreadable_image_error(args, error):
    """A one-line error naming the folder's file that stopped the input pipeline, or None."""
    import tensorflow as tf

    if not (_is_folder(args) and isinstance(error, tf.errors.InvalidArgumentError)):
        return None
    from keras_gan.datasets.image_folder import named_error

    # The pipeline has already found and named the file: no second scan of the folder.
    return named_error(error)


def _load_model(path):
    if not os.path.isfile(path):
        raise ValueError(f"Expected an existing .keras model file. Received: {path!r}")
    try:
        model = keras.models.load_model(path)
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ValueError(
            "Expected a model saved with `model.save('x.keras')` (a whole GAN or a "
            f"generator). Received: {path!r}, which failed to load: {type(e).__name__}: {first}"
        ) from e
    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not isinstance(model, GAN) and inputs and outputs:
        noise, samples = tuple(inputs[0].shape), tuple(outputs[0].shape)
        if len(noise) != 2 or len(samples) < 3:
            raise ValueError(
                "Expected a whole GAN or a generator, a model from noise (batch, latent_dim) "
                f"to images. Received: {path!r}, a model from {noise} to {samples} (a "
                "discriminator?)"
            )
    return model


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


def _judge(args, **kwargs):
    """The scores' `Judge` of `args.dataset`: its training split and held-out images.

    Warns on stderr when the held-out images are too few for the scores to mean much.
    """
    train = _load_data(args, "train")
    test_images = _load_data(args, "test")[0]
    judge = scores.Judge(
        args.dataset,
        args.features,
        train,
        test_images,
        fid_weights=args.fid_weights,
        fid_resize=args.fid_resize,
        reference_stats=args.fid_reference_stats,
        **kwargs,
    )
    warning = _small_split_warning(args, len(judge.test_images))
    if warning is not None:
        print(f"keras-gan {args.command}: warning: {warning}", file=sys.stderr, flush=True)
    return judge


def _small_split_warning(args, held_out):
    """Says why `held_out` images make a report of noise and how to get more, or None."""
    needed = scores.MIN_REPORT_SAMPLES
    if held_out >= needed:
        return None
    if _is_folder(args) and (args.max_samples is None or args.max_samples >= needed):
        from keras_gan.datasets.image_folder import TEST_FRACTION as fraction

        remedy = (
            f"give the folder {math.ceil(needed / fraction)} or more images "
            f"({fraction:.0%} of them are held out)"
        )
    else:  # the named datasets hold out more than enough
        remedy = f"raise --max-samples to {needed} or more"
    return (
        f"the scores compare sets of only {held_out} samples (as many as the held-out "
        f"images), too few to mean much (a share such as precision or coverage is uncertain "
        f"by up to {0.5 / math.sqrt(max(held_out, 1)):.2f} on {held_out} samples); {needed} "
        f"or more are needed: {remedy}"
    )


def _check_run_dir(run_dir):
    """Raises unless `run_dir` is a folder or can be made one (no file on its path)."""
    existing = os.path.abspath(run_dir)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(
            "Expected --output-dir (and --name) to name a folder or a path where one can be "
            f"made. Received: run directory {run_dir!r}, but {existing!r} exists and is not "
            "a folder"
        )


# ------------------------------------------------------------------ commands
def _new_run_dir(args):
    name = (
        args.name
        or f"{os.path.basename(os.path.normpath(args.dataset))}-{args.recipe}-"
        + time.strftime("%Y%m%d-%H%M%S")
    )
    run_dir = os.path.join(args.output_dir, name)
    _check_run_dir(run_dir)
    if os.path.isdir(run_dir) and os.listdir(run_dir):
        raise ValueError(
            f"Expected a new run directory. Received: --name {name!r}, and {run_dir!r} "
            "already holds files (choose another --name or --output-dir)"
        )
    return run_dir


def _resumed(args):
    """`(args, checkpoint, initial_epoch, command)` of `train --resume RUN_DIR`.

    `args` holds the run's saved settings, with `--epochs` (the new total) when given.
    """
    run_dir = args.resume
    settings, command = _cli_run.load_settings(run_dir)
    directory = os.path.join(run_dir, "checkpoints")
    checkpoint = callbacks.GANCheckpoint.latest(directory)
    if checkpoint is None:
        raise ValueError(
            "Expected a run directory holding a checkpoint (checkpoints/gan_epoch_NNNN.keras)"
            f" to resume from. Received: --resume {run_dir!r}, whose checkpoints/ holds none "
            "(the run stopped before its first checkpoint: train anew under another --name, "
            "or after deleting the folder)"
        )
    initial_epoch = callbacks.GANCheckpoint.latest_epoch(directory)
    epochs_given = _flags_given(args.argv, ("--epochs",))
    resumed = argparse.Namespace(**{**vars(args), **settings})
    if epochs_given:
        resumed.epochs = args.epochs
    if resumed.epochs < initial_epoch:
        raise ValueError(
            f"Expected --epochs of at least {initial_epoch}, the epochs of the newest "
            f"checkpoint, with --resume. Received: --epochs {resumed.epochs}"
        )
    resumed.output_dir, resumed.name = os.path.split(os.path.normpath(run_dir))
    return resumed, checkpoint, initial_epoch, command


def _checkpoint_last_epoch(gan, checkpoint, epochs):
    """Saves the checkpoint of the run's last epoch unless saved, or its losses diverged.

    `checkpoint` saves every few epochs: a finished run resumed with more epochs then
    trains on from its end.
    """
    if callbacks.GANCheckpoint.latest_epoch(checkpoint.directory) >= epochs:
        return
    history = getattr(getattr(gan, "history", None), "history", None) or {}
    last_logs = {key: values[-1] for key, values in history.items() if values}
    if not non_finite_logs(last_logs):
        checkpoint.save(epochs)


def _train(args):
    if args.resume is None:
        run_dir, resume_from, initial_epoch = _new_run_dir(args), None, 0
        command = [" ".join(["keras-gan", *args.argv])]
    else:
        args, resume_from, initial_epoch, command = _resumed(args)
        command = [*command, " ".join(["keras-gan", *args.argv])]
        run_dir = args.resume
    keras.utils.set_random_seed(args.seed)
    data, image_shape, count, fit_kwargs = _training_data(args, initial_epoch)
    judge = None
    if not args.no_scores:
        judge = _judge(
            args,
            quiet=args.quiet,
            epochs=args.epochs,
            cache_dir=os.path.join(args.output_dir, "reference_stats"),
        )
    gan, recipe_callbacks = _build_gan(args, tuple(image_shape), count)
    if resume_from is not None:
        # The recipe's callbacks (schedules by images) act on the reloaded GAN, which
        # holds its weights, optimizers, moving average, ADA's p, `images_seen` and
        # noise-seed states as they were at the checkpoint.
        gan = load_gan(resume_from)
    logs = os.path.join(run_dir, "logs")
    # Under several processes (a JAX distribution, a multi-worker strategy) process 0
    # alone writes; the callbacks below see to it themselves.
    chief = _distribute.is_chief(gan)
    every = max(1, args.epochs // 20)
    checkpoint = callbacks.GANCheckpoint(
        os.path.join(run_dir, "checkpoints"),
        every_n_epochs=math.ceil(args.epochs / CHECKPOINTS_PER_RUN),
    )
    fit_callbacks = [
        # The schedules first: the callbacks after them log the values they set.
        *recipe_callbacks,
        # Then the progress bar, so that its time per step leaves out the callbacks after it.
        *([] if args.quiet else [keras.callbacks.ProgbarLogger()]),
        # GANQuality before TensorBoard, which then logs its scores.
        *([judge.quality] if judge is not None else []),
        *([keras.callbacks.TensorBoard(logs, write_graph=False)] if chief else []),
        callbacks.ImageGrid(logs, num_images=64, every_n_epochs=every),
        checkpoint,
    ]
    if chief:  # before training: a run killed at once can be resumed
        _cli_run.save_settings(run_dir, args, command=command)
    if not args.quiet:
        verb = "Training" if resume_from is None else f"Resuming at epoch {initial_epoch + 1}:"
        print(
            f"{verb} {RECIPE_NAMES[args.recipe]} on {count} {args.dataset} images of shape "
            f"{tuple(image_shape)} -> {run_dir}"
        )
    start = time.time()
    try:
        gan.fit(
            data,
            epochs=args.epochs,
            initial_epoch=initial_epoch,
            verbose=0 if args.quiet else 1,
            callbacks=fit_callbacks,
            **fit_kwargs,
        )
    except BaseException as e:
        if resume_from is None and callbacks.GANCheckpoint.latest(checkpoint.directory) is None:
            # Nothing to resume: the same command may run again in the same folder.
            _cli_run.forget_settings(run_dir)
        named = _unreadable_image_error(args, e) if isinstance(e, Exception) else None
        if named is None:
            raise
        raise named from e
    seconds = time.time() - start
    _checkpoint_last_epoch(gan, checkpoint, args.epochs)
    _distribute.save(gan, os.path.join(run_dir, "gan.keras"))
    _distribute.save(gan.sampling_generator, os.path.join(run_dir, "generator.keras"))
    samples = gan.generate(64, seed=0)
    if chief:
        from keras_gan._cli_sample import save_grid

        save_grid(samples, os.path.join(run_dir, "samples.png"))
    trained = args.epochs - initial_epoch
    if judge is None:
        print(f"Trained {trained} epochs in {seconds:.0f} s. Run directory: {run_dir}")
        return 0
    results = judge.report(lambda n, seed: gan.generate(n, seed=seed))
    results.update(
        {
            "seconds": round(seconds, 1),
            "epoch_scoring_seconds": round(judge.quality.seconds, 3),
            "epochs": args.epochs,
            "command": " ".join(command) if len(command) == 1 else command,
        }
    )
    if chief:
        with open(os.path.join(run_dir, "scores.json"), "w") as f:
            json.dump(results, f, indent=2)
    print(f"Trained {trained} epochs in {seconds:.0f} s. Run directory: {run_dir}")
    return 0


def _sample(args):
    from keras_gan import _cli_sample

    message = _cli_sample.sample(args, _load_model(args.model))
    if not args.quiet:
        print(message)
    return 0


def _score(args):
    model = _load_model(args.model)
    cache_dir = None
    run_dir = os.path.dirname(os.path.abspath(args.model))
    if os.path.isfile(os.path.join(run_dir, "scores.json")):  # in a `train` run directory
        cache_dir = os.path.join(os.path.dirname(run_dir), "reference_stats")
    judge = _judge(args, cache_dir=cache_dir)
    shape = _generate(model, 1, 0, args.num_classes).shape[1:]
    if shape != judge.train_images.shape[1:]:
        raise ValueError(
            f"Expected the model to generate {args.dataset} images of shape "
            f"{judge.train_images.shape[1:]}. Received: samples of shape {shape}"
        )
    judge.report(lambda n, seed: _generate(model, n, seed, args.num_classes))
    return 0
