"""The `keras-gan` command line, end to end in tmp_path, and every error path."""

import contextlib
import io
import json
import os
import runpy
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import keras_gan
from keras_gan import _cli_scores
from keras_gan import cli
from keras_gan.callbacks import GANCheckpoint
from keras_gan.datasets.image_folder import list_images
from keras_gan.metrics import _reference

SCORE_KEYS = ("fd", "kid", "precision", "recall", "density", "coverage", "memorization")


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    """One tiny training run shared by the tests: its directory and its stdout."""
    out = tmp_path_factory.mktemp("runs")
    argv = [
        "train", "--epochs", "1", "--max-samples", "96", "--batch-size", "32",
        "--latent-dim", "8", "--width", "8", "--output-dir", str(out), "--name", "tiny",
        "--augment", "diffaugment", "--r1", "0.1",
    ]  # fmt: skip
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = cli.main(argv)
    assert status == 0
    return out / "tiny", stdout.getvalue()


@pytest.fixture()
def run_dir(training):
    return training[0]


def one_line_error(capsys, argv, match, status=None):
    code = cli.main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code != 0 if status is None else code == status
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert match in lines[0], lines[0]
    return lines[0]


def test_train_writes_the_run_directory(run_dir, capsys):
    for path in ("gan.keras", "generator.keras", "samples.png", "scores.json"):
        assert (run_dir / path).is_file(), path
    assert (run_dir / "logs" / "samples").is_dir()
    assert any(
        name.startswith("events") for _, _, files in os.walk(run_dir / "logs") for name in files
    )
    assert GANCheckpoint.latest(run_dir / "checkpoints") is not None
    # GANQuality runs before TensorBoard, which logs its scores with the losses.
    events = EventAccumulator(str(run_dir / "logs" / "train"), size_guidance={"tensors": 0})
    tags = set(events.Reload().Tags()["tensors"])
    assert {"epoch_d_loss", "epoch_fd", "epoch_precision", "epoch_classifier_score"} <= tags
    assert "generated" in tags  # the image grids: one TensorBoard run per experiment
    assert sorted(os.listdir(run_dir / "logs")) == ["samples", "train"]
    scores = json.loads((run_dir / "scores.json").read_text())
    for row in ("generated", "held_out_real"):
        assert set(scores[row]) == {"classifier_score", *SCORE_KEYS}
        assert all(np.isfinite(v) for v in scores[row].values())
    assert scores["features"] == "classifier features"
    assert scores["protocol"].startswith("classifier features, ")
    assert scores["protocol"].endswith(f"generated vs {scores['reference_images']} reference")
    assert 0 <= scores["epoch_scoring_seconds"] <= scores["seconds"]
    # The real statistics are cached beside the run, for the next run on the same data.
    assert len(list((run_dir.parent / "reference_stats").glob("reference-*.npz"))) == 1
    assert scores["epochs"] == 1
    assert scores["command"].startswith("keras-gan train --epochs 1 --max-samples 96")
    # 64 upscaled 8x8 digits: an 8x8 grid of (8 + 1) * 4 pixels plus the border.
    assert Image.open(run_dir / "samples.png").size == (8 * 9 * 4 + 4, 8 * 9 * 4 + 4)
    gan = keras.models.load_model(run_dir / "gan.keras")
    assert isinstance(gan, keras_gan.GAN) and gan.latent_dim == 8
    assert isinstance(gan.augmenter, keras_gan.augmentation.DiffAugment)
    assert gan.r1_weight == 0.1 and "epoch_r1_penalty" in tags


def test_augment_and_r1_flags_are_checked(capsys):
    one_line_error(capsys, ["train", "--augment", "zoom"], "invalid choice: 'zoom'")
    one_line_error(capsys, ["train", "--r1", "-1"], "Expected a number >= 0. Received: '-1'")
    args = cli.build_parser().parse_args(["train"])
    assert args.augment == "none" and args.r1 == 0.0


def test_train_shows_progress_and_prints_the_scores_next_to_held_out_real_data(training):
    run_dir, out = training
    assert "3/3" in out and "d_loss:" in out  # Keras' progress bar: 96 images, batch 32
    assert "scores after epoch 1 (" in out  # printed under the bar, whose ms/step omit them
    for column in ("FD", "KID", "precision", "recall", "density", "coverage", "memorized"):
        assert column in out
    assert "classifier score" in out
    generated = [line for line in out.splitlines() if line.strip().startswith("generated")]
    held_out = [line for line in out.splitlines() if line.strip().startswith("held-out real")]
    assert len(generated) == len(held_out) == 1
    scores = json.loads((run_dir / "scores.json").read_text())
    assert f"{scores['held_out_real']['fd']:.4f}" in held_out[0]
    assert f"{scores['generated']['classifier_score']:.3f}" in generated[0]


def test_quiet_prints_only_the_scores(tmp_path, capsys, monkeypatch):
    # Stops right after the data is loaded: the rest of the run is the fixture's.
    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(keras_gan.architectures, "train_classifier", stop)
    argv = ["train", "--quiet", "--max-samples", "64", "--output-dir", str(tmp_path)]
    assert cli.main(argv) == 130
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "keras-gan: interrupted"


def test_sample_from_gan_and_generator_files_gives_the_same_grid(run_dir, tmp_path, capsys):
    from_gan, from_generator = tmp_path / "a.png", tmp_path / "b.png"
    assert cli.main(["sample", str(run_dir / "gan.keras"), "--n", "9", "--out", str(from_gan)]) == 0
    argv = ["sample", str(run_dir / "generator.keras"), "--n", "9", "--out", str(from_generator)]
    assert cli.main(argv) == 0
    a, b = np.asarray(Image.open(from_gan)), np.asarray(Image.open(from_generator))
    assert a.shape == (3 * 9 * 4 + 4, 3 * 9 * 4 + 4)
    assert np.array_equal(a, b)
    assert a.std() > 0
    other = tmp_path / "c.png"
    argv = ["sample", str(run_dir / "gan.keras"), "--n", "9", "--out", str(other), "--seed", "5"]
    assert cli.main(argv) == 0
    assert not np.array_equal(np.asarray(Image.open(other)), a)


def test_sample_out_dir_writes_one_png_per_sample(run_dir, tmp_path, capsys):
    for name in ("gan", "generator"):
        argv = ["sample", str(run_dir / f"{name}.keras"), "--n", "11", "--batch-size", "4"]
        assert cli.main(argv + ["--out-dir", str(tmp_path / name)]) == 0
    out = capsys.readouterr().out
    assert "11/11" in out  # Keras' progress bar
    assert out.strip().endswith(f"Wrote 11 PNG files to {tmp_path / 'generator'}")
    names = sorted(os.listdir(tmp_path / "gan"))
    assert names == sorted(os.listdir(tmp_path / "generator"))
    assert names == [f"{i:06d}.png" for i in range(11)]
    files = [np.asarray(Image.open(tmp_path / "gan" / name)) for name in names]
    assert files[0].shape == (8, 8) and files[0].dtype == np.uint8  # 1-channel PNGs
    for name, pixels in zip(names, files):
        assert np.array_equal(np.asarray(Image.open(tmp_path / "generator" / name)), pixels)
    # The grid of the same seed shows the first files, 4x upscaled.
    grid = tmp_path / "grid.png"
    argv = ["sample", str(run_dir / "gan.keras"), "--n", "9", "--out", str(grid), "--quiet"]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == ""
    small = np.asarray(Image.open(grid))[::4, ::4]
    for i in range(9):
        row, col = divmod(i, 3)
        assert np.array_equal(small[1 + 9 * row : 9 + 9 * row, 1 + 9 * col : 9 + 9 * col], files[i])
    argv = ["sample", str(run_dir / "gan.keras"), "--out-dir", str(tmp_path / "gan")]
    one_line_error(capsys, argv, "Expected a new or empty folder", status=1)
    assert len(os.listdir(tmp_path / "gan")) == 11


def test_sample_a_conditional_gan_gives_one_row_per_class(tmp_path, capsys):
    path = os.path.join(os.path.dirname(__file__), "fixtures", "conditional_gan.keras")
    gan = keras.models.load_model(path)
    grid, interpolation = tmp_path / "grid.png", tmp_path / "interpolation.png"
    assert cli.main(["sample", path, "--n", "5", "--out", str(grid), "--scale", "1"]) == 0
    assert f"Wrote 3 x 2 samples (one row per class) to {grid}" in capsys.readouterr().out
    rows = keras_gan.sampling.class_rows(gan, 2, seed=0)
    expected = keras_gan.images.make_grid(rows.reshape((6, 4, 4, 1)), ncols=2)
    assert np.array_equal(np.asarray(Image.open(grid)), expected[..., 0])
    argv = ["sample", path, "--interpolate", "--steps", "4", "--scale", "1", "--seed", "2"]
    assert cli.main(argv + ["--out", str(interpolation)]) == 0
    path_samples = keras_gan.sampling.interpolate(gan, 3, 4, seed=2)  # one row per class
    expected = keras_gan.images.make_grid(path_samples.reshape((12, 4, 4, 1)), ncols=4)
    assert np.array_equal(np.asarray(Image.open(interpolation)), expected[..., 0])
    argv = ["sample", path, "--n", "3", "--label", "1", "--quiet"]
    assert cli.main(argv + ["--out-dir", str(tmp_path / "ones")]) == 0
    assert sorted(os.listdir(tmp_path / "ones")) == [f"{i:06d}_class1.png" for i in range(3)]
    argv = ["sample", path, "--label", "3", "--out", str(grid)]
    one_line_error(capsys, argv, "Expected `label` to be a class in [0, 3). Received: label=3")
    argv = ["sample", path, "--num-classes", "4", "--out", str(grid)]
    one_line_error(capsys, argv, "Expected --num-classes 3, the GAN's, or none. Received: --num")


def test_score_prints_the_scores(run_dir, capsys):
    argv = ["score", str(run_dir / "generator.keras"), "--max-samples", "64"]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "classifier score" in out and "held-out real" in out and "recall" in out
    # 64 held-out images: one line on stderr says the scores mean little, and why.
    assert captured.err.splitlines() == [
        "keras-gan score: warning: the scores compare sets of only 64 samples (as many as the "
        "held-out images), too few to mean much (a share such as precision or coverage is "
        "uncertain by up to 0.06 on 64 samples); 100 or more are needed: raise --max-samples "
        "to 100 or more"
    ]


def test_score_of_enough_held_out_images_gives_no_warning(run_dir, capsys):
    argv = ["score", str(run_dir / "generator.keras"), "--max-samples", "100"]
    assert cli.main([*argv, "--features", "pixels"]) == 0
    captured = capsys.readouterr()
    assert "held-out real" in captured.out and captured.err == ""


def test_score_on_a_folder_of_20_images_warns_of_its_4_held_out_images(tmp_path, capsys):
    folder = write_folder(tmp_path / "folder", 20)
    noise = keras.Input((4,))
    pixels = keras.layers.Dense(32 * 32, activation="tanh")(noise)
    path = str(tmp_path / "generator.keras")
    keras.Model(noise, keras.layers.Reshape((32, 32, 1))(pixels)).save(path)
    argv = ["score", path, "--dataset", str(folder), "--image-size", "32"]
    argv += ["--color-mode", "grayscale", "--features", "pixels"]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "4 samples, as many as the held-out real images" in captured.out
    [line] = captured.err.splitlines()
    assert line.startswith("keras-gan score: warning: the scores compare sets of only 4 samples")
    assert "uncertain by up to 0.25 on 4 samples" in line
    assert line.endswith("give the folder 500 or more images (20% of them are held out)")


def test_score_on_pixels_reads_the_cached_reference_the_second_time(run_dir, capsys, monkeypatch):
    argv = [
        "score",
        str(run_dir / "generator.keras"),
        "--max-samples",
        "40",
        "--features",
        "pixels",
    ]
    cache = run_dir.parent / "reference_stats"
    before = set(cache.glob("*.npz"))
    assert cli.main(argv) == 0
    first = capsys.readouterr().out
    assert "(64 pixel features)" in first
    held_out = next(line for line in first.splitlines() if line.startswith("  held-out real"))
    assert held_out.endswith("-")  # no classifier score on pixels
    assert len(set(cache.glob("*.npz")) - before) == 1
    saved = []
    monkeypatch.setattr(_reference.Reference, "save", lambda self, path: saved.append(path))
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == first
    assert saved == []


def digits_like(n=40, side=8, channels=1):
    images = np.random.default_rng(0).uniform(-1, 1, (n, side, side, channels))
    return images.astype("float32"), np.zeros(n, "int32")


def test_auto_features_are_pixels_without_classes_or_gpu(monkeypatch):
    images, labels = digits_like(side=32, channels=3)
    monkeypatch.setattr(_cli_scores, "gpu_visible", lambda: False)
    extractor, classifier, description = _cli_scores.feature_models(
        "auto", images, labels, quiet=True, dataset="folder"
    )
    assert classifier is None and description == "768 pixel features"
    assert extractor.output_shape == (None, 16 * 16 * 3)


def test_every_backend_says_whether_it_sees_a_gpu():
    # JAX raises without a GPU platform and PyTorch has no device listing in Keras.
    assert isinstance(_cli_scores.gpu_visible(), bool)


def test_auto_features_fall_back_to_pixels_when_inception_is_unavailable(monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: Temporary failure in name resolution")

    monkeypatch.setattr(_cli_scores, "gpu_visible", lambda: True)
    monkeypatch.setattr(_cli_scores.metrics, "inception_feature_extractor", offline)
    images, labels = digits_like()
    _, _, description = _cli_scores.feature_models("auto", images, labels, quiet=False, dataset="x")
    assert description == "64 pixel features"
    assert "Inception-v3 weights unavailable: scoring on pixels." in capsys.readouterr().out
    with pytest.raises(ValueError, match=r"^Expected Inception-v3 ImageNet weights .* Received: "):
        _cli_scores.feature_models("inception", images, labels, quiet=True, dataset="x")


def test_classifier_features_need_two_classes():
    images, labels = digits_like()
    with pytest.raises(ValueError, match=r"Expected 2 or more classes .* Received: 1 class in x"):
        _cli_scores.feature_models("classifier", images, labels, quiet=True, dataset="x")


def test_python_dash_m_runs_the_command_line(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["keras_gan", "sample", "missing.keras"])
    with pytest.raises(SystemExit) as info:
        runpy.run_module("keras_gan", run_name="__main__")
    assert info.value.code == 1
    assert "Expected an existing .keras model file" in capsys.readouterr().err


def test_help_exits_zero(capsys):
    assert cli.main(["train", "--help"]) == 0
    assert "--batch-size" in capsys.readouterr().out


def test_help_answers_without_importing_keras():
    code = (
        "import sys\n"
        "sys.argv = ['keras-gan', 'train', '--help']\n"
        "from keras_gan import cli\n"
        "assert cli.main() == 0\n"
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert "--image-size" in done.stdout and "--verbose" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False False"
    assert done.stderr == ""


def test_the_listed_loss_names_are_keras_gans():
    assert cli.LOSS_NAMES == keras_gan.losses.LOSS_NAMES


def write_folder(path, count, size=(40, 36)):
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        pixels = (rng.random(size[::-1] + (3,)) * 255).astype("uint8")
        Image.fromarray(pixels).save(path / f"{i}.png")
    return path


def test_train_streams_a_folder_and_prints_only_its_own_output(tmp_path):
    folder = write_folder(tmp_path / "folder", 10)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    argv = [
        sys.executable, "-m", "keras_gan", "train", "--dataset", str(folder),
        "--image-size", "32", "--color-mode", "grayscale", "--epochs", "2",
        "--batch-size", "4", "--steps-per-epoch", "3", "--no-scores",
        "--output-dir", str(tmp_path / "runs"), "--name", "run",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Training a DCGAN on 8 " in done.stdout and "(32, 32, 1)" in done.stdout
    assert "3/3" in done.stdout  # --steps-per-epoch
    run = tmp_path / "runs" / "run"
    assert (run / "generator.keras").is_file() and not (run / "scores.json").exists()
    generator = keras.models.load_model(run / "generator.keras")
    assert generator.output_shape == (None, 32, 32, 1) and generator.input_shape == (None, 128)


def test_a_damaged_image_is_named_on_one_line(capsys, tmp_path):
    folder = write_folder(tmp_path / "folder", 6)
    damaged = list_images(folder, split="train")[0][2]
    data = open(damaged, "rb").read()
    open(damaged, "wb").write(data[: len(data) // 2])
    argv = [
        "train", "--dataset", str(folder), "--image-size", "32", "--epochs", "1",
        "--batch-size", "2", "--no-scores", "--quiet", "--output-dir", str(tmp_path / "runs"),
    ]  # fmt: skip
    line = one_line_error(capsys, argv, "Expected readable images. Received: ", status=1)
    assert f"{damaged!r}, which fails to decode" in line
    open(damaged, "wb").write(b"not an image")
    line = one_line_error(capsys, argv, "Expected readable PNG, JPEG, BMP or GIF images", status=1)
    assert repr(damaged) in line


@pytest.mark.parametrize("text, expected", [("white", "white"), ("0,128,255", (0, 128, 255))])
def test_background_flag_reaches_the_folder_pipeline(tmp_path, text, expected):
    folder = tmp_path / "icons"
    folder.mkdir()
    rgba = np.zeros((4, 4, 4), "uint8")
    rgba[:2] = (200, 10, 20, 255)  # opaque top half; the bottom half hides green
    rgba[2:] = (0, 255, 0, 0)
    for i in range(5):
        Image.fromarray(rgba, "RGBA").save(folder / f"{i}.png")
    argv = ["train", "--dataset", str(folder), "--image-size", "32", "--background", text]
    args = cli.build_parser().parse_args(argv)
    assert args.background == expected
    cli._import_modules(verbose=True)
    colour = (255, 255, 255) if text == "white" else expected
    data, _, _, _ = cli._training_data(args)
    real, _ = cli._load_data(args, "test")
    for images in (next(iter(data)).numpy(), real):
        bottom = (images[:, -8:] + 1.0) * 127.5  # resized 4 -> 32: the last rows are clear
        np.testing.assert_allclose(bottom, np.broadcast_to(colour, bottom.shape), atol=0.01)


@pytest.mark.parametrize("text", ["grey", "0,0", "0,0,256", "1,2,x"])
def test_background_flag_is_checked(capsys, text):
    line = one_line_error(capsys, ["train", "--background", text], "argument --background: ")
    assert f"Expected white, black or R,G,B with each in 0..255. Received: {text!r}" in line


@pytest.mark.parametrize("command", ["sample", "score"])
def test_a_discriminator_file_is_refused_on_one_line(capsys, tmp_path, command):
    path = str(tmp_path / "discriminator.keras")
    keras_gan.architectures.dcgan_discriminator((8, 8, 1), width=2).save(path)
    line = one_line_error(capsys, [command, path], "Expected a whole GAN or a generator", status=1)
    assert "discriminator.keras" in line and "(None, 8, 8, 1) to (None, 1)" in line


@pytest.mark.parametrize(
    "argv, match",
    [
        ([], "the following arguments are required: COMMAND"),
        (["train", "--image-size", "48"], "--image-size: Expected 32, 64, 128 (the DCGAN presets)"),
        (["fly"], "invalid choice: 'fly'"),
        (["train", "--epochs", "0"], "--epochs: Expected a positive integer. Received: '0'"),
        (["train", "--epochs", "ten"], "--epochs: Expected a positive integer. Received: 'ten'"),
        (["train", "--batch-size", "-3"], "--batch-size: Expected a positive integer"),
        (["train", "--loss", "l1"], "--loss: Expected one of minimax, non_saturating"),
        (["train", "--d-lr", "nan"], "--d-lr: Expected a positive number. Received: 'nan'"),
        (["train", "--ema-decay", "1.5"], "--ema-decay: Expected 0 (off) or a decay in (0, 1)"),
        (["train", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["score", "m.keras", "--features", "vgg"], "--features: invalid choice: 'vgg'"),
        (["sample"], "the following arguments are required: model"),
        (
            ["sample", "m.keras", "--out-dir", "d", "--interpolate"],
            "argument --interpolate: not allowed with argument --out-dir",
        ),
    ],
)
def test_bad_command_lines_give_one_line_and_status_2(capsys, argv, match):
    line = one_line_error(capsys, argv, match, status=2)
    assert line.startswith("keras-gan")


def test_unknown_dataset(capsys, tmp_path):
    argv = ["train", "--dataset", "imagenet", "--output-dir", str(tmp_path)]
    one_line_error(capsys, argv, "Expected a dataset name (digits, mnist", status=1)


def test_offline_dataset_names_the_bundled_digits(capsys, tmp_path, monkeypatch):
    def offline():
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    argv = ["train", "--dataset", "mnist", "--output-dir", str(tmp_path)]
    one_line_error(capsys, argv, "load_digits()", status=1)


def test_existing_run_directory_is_not_overwritten(capsys, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "gan.keras").write_text("earlier run")
    argv = ["train", "--output-dir", str(tmp_path), "--name", "taken"]
    one_line_error(capsys, argv, "Expected a new run directory", status=1)
    assert (tmp_path / "taken" / "gan.keras").read_text() == "earlier run"


@pytest.mark.parametrize("name", ["runs/run", "run"])
def test_output_dir_under_a_file_is_refused_on_one_line(capsys, tmp_path, name):
    (tmp_path / "notes.txt").write_text("a file")
    output_dir = str(tmp_path / "notes.txt")
    argv = ["train", "--output-dir", output_dir, "--name", name, "--epochs", "1"]
    argv += ["--max-samples", "32", "--no-scores", "--quiet"]
    line = one_line_error(capsys, argv, "Expected --output-dir (and --name) to name a folder")
    run_dir = os.path.join(output_dir, name)
    assert line.endswith(
        f"Received: run directory {run_dir!r}, but {output_dir!r} exists and is not a folder"
    )


@pytest.mark.parametrize("command", ["sample", "score"])
def test_missing_model_file(capsys, tmp_path, command):
    argv = [command, str(tmp_path / "nothing.keras")]
    one_line_error(capsys, argv, "Expected an existing .keras model file", status=1)


@pytest.mark.parametrize("content", [b"not a zip file", b"PK\x03\x04 truncated"])
@pytest.mark.parametrize("command", ["sample", "score"])
def test_corrupt_model_file(capsys, tmp_path, command, content):
    path = tmp_path / "broken.keras"
    path.write_bytes(content)
    argv = [command, str(path), "--out", str(tmp_path / "x.png")] if command == "sample" else [
        command, str(path)]  # fmt: skip
    one_line_error(capsys, argv, "failed to load", status=1)
    assert not (tmp_path / "x.png").exists()


def test_conditional_generator_needs_num_classes(capsys, tmp_path):
    noise = keras.Input((3,))
    labels = keras.Input((1,), dtype="int32")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(4, 64)(labels))
    x = keras.layers.Add()([keras.layers.Dense(64)(noise), embedded])
    images = keras.layers.Reshape((8, 8, 1))(keras.layers.Activation("tanh")(x))
    path = str(tmp_path / "cgen.keras")
    keras.Model([noise, labels], images).save(path)
    out = str(tmp_path / "grid.png")
    one_line_error(capsys, ["sample", path, "--out", out], "Expected --num-classes", status=1)
    assert cli.main(["sample", path, "--out", out, "--n", "8", "--num-classes", "4"]) == 0
    assert Image.open(out).size == (2 * 9 * 4 + 4, 4 * 9 * 4 + 4)  # a row per class


@pytest.mark.filterwarnings("ignore:Matrix is singular")  # the digits' constant border pixels
def test_score_reports_the_protocol_and_the_fd_against_reference_statistics(
    run_dir, tmp_path, capsys
):
    # Statistics of the training images' pixel features (8x8 digits: the pixels).
    train, _ = keras_gan.datasets.load_digits("train")
    features = np.asarray(train[:64], "float64").reshape(64, -1)
    stats = tmp_path / "stats.npz"
    np.savez(stats, mu=features.mean(axis=0), sigma=np.cov(features, rowvar=False))
    argv = ["score", str(run_dir / "generator.keras"), "--max-samples", "40"]
    argv += ["--features", "pixels", "--fid-reference-stats", str(stats)]
    assert cli.main(argv) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith(f"FD against {stats} (64 pixel features, 40 samples): generated ")
    held_out = float(last.rsplit(" ", 1)[-1])
    assert 0 < held_out < float(last.split("generated ")[1].split(",")[0])
    # The held-out images' FD, by the formula with scipy's matrix square root.
    import scipy.linalg

    test = np.asarray(keras_gan.datasets.load_digits("test")[0][:40], "float64").reshape(40, -1)
    mu1, sigma1 = features.mean(axis=0), np.cov(features, rowvar=False)
    mu2, sigma2 = test.mean(axis=0), np.cov(test, rowvar=False)
    root = scipy.linalg.sqrtm(sigma1 @ sigma2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2 * root)
    assert held_out == pytest.approx(expected, abs=2e-3)
    np.savez(stats, mu=np.zeros(10), sigma=np.eye(10))
    one_line_error(capsys, argv, "Expected reference statistics of the 64 features of 64 pixel")


def test_fid_inception_features_without_weights_say_where_to_put_them(tmp_path, capsys):
    missing = str(tmp_path / "pt_inception.pth")
    argv = ["score", "m.keras", "--features", "fid-inception", "--fid-weights", missing]
    images, labels = digits_like()
    with pytest.raises(ValueError, match=r"Received: weights='.*pt_inception.pth', which does"):
        _cli_scores.feature_models(
            "fid-inception", images, labels, quiet=True, dataset="x", fid_weights=missing
        )
    assert cli.build_parser().parse_args(argv).fid_resize == "legacy_tensorflow"
