"""`keras-gan train --resume RUN_DIR`, the run's saved settings, and the run's length.

A killed run is simulated in-process: `GANCheckpoint.save` raises `KeyboardInterrupt`
right after writing the checkpoint of epoch `k` (the command then exits with 130, as
on Ctrl-C). Its resumed run must end where the run trained in one go ends.
"""

import json

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import _cli_run
from keras_gan import cli
from keras_gan import recipes
from keras_gan.callbacks import GANCheckpoint

# Tiny runs: 40 digits in batches of 16 (16, 16, 8), small networks, no scores.
TINY = [
    "--max-samples", "40", "--batch-size", "16", "--latent-dim", "8", "--width", "8",
    "--no-scores", "--quiet",
]  # fmt: skip
RECIPE_FLAGS = {
    # EMA by decay, ADA's adaptive p, BatchNorm statistics
    "dcgan": ["--augment", "ada"],
    # schedules by images, EMA by half-life, DiffAugment's random state
    "r3gan": ["--recipe", "r3gan", "--augment", "diffaugment"],
}
EPOCHS = 4
KILLED_AFTER = 2


def _train(out, name, *flags):
    argv = ["train", *TINY, "--output-dir", str(out), "--name", name, *flags]
    assert cli.main(argv) == 0
    return out / name


def _killed(out, name, epoch, *flags):
    """A run of `flags` stopped right after its checkpoint of `epoch` was written."""
    original = GANCheckpoint.save

    def save(self, epoch_done):
        path = original(self, epoch_done)
        if epoch_done == epoch:
            raise KeyboardInterrupt
        return path

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(GANCheckpoint, "save", save)
        argv = ["train", *TINY, "--output-dir", str(out), "--name", name, *flags]
        assert cli.main(argv) == 130
    return out / name


def _resume(run_dir, *flags):
    assert cli.main(["train", "--resume", str(run_dir), "--quiet", *flags]) == 0
    return run_dir


def _recording_r3gan(found):
    """`recipes.r3gan` that records its `total_images` and scheduler in `found`."""
    original = recipes.r3gan

    def r3gan(*args, **kwargs):
        gan, callbacks = original(*args, **kwargs)
        (scheduler,) = callbacks
        found["r3gan", "schedule"] = kwargs["total_images"], scheduler
        return gan, callbacks

    return r3gan


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Per recipe: one run of `EPOCHS` epochs, the same killed after `KILLED_AFTER` and
    resumed; for dcgan also a run of `KILLED_AFTER` epochs resumed with `--epochs EPOCHS`."""
    out = tmp_path_factory.mktemp("runs")
    found = {}
    for recipe, flags in RECIPE_FLAGS.items():
        flags = [*flags, "--epochs", str(EPOCHS)]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(recipes, "r3gan", _recording_r3gan(found))
            found[recipe, "whole"] = _train(out, f"{recipe}-whole", *flags)
        killed = _killed(out, f"{recipe}-killed", KILLED_AFTER, *flags)
        found[recipe, "after_kill"] = sorted(p.name for p in (killed / "checkpoints").iterdir())
        found[recipe, "resumed"] = _resume(killed)
    finished = _train(out, "dcgan-finished", *RECIPE_FLAGS["dcgan"], "--epochs", "2")
    found["dcgan", "extended"] = _resume(finished, "--epochs", str(EPOCHS))
    return found


def _state(path):
    gan = keras.models.load_model(path)
    variables = [*gan.weights, *gan.d_optimizer.variables, *gan.g_optimizer.variables]
    # By place: the variables' paths hold layer names, unique per process.
    state = {f"{i:03d}": keras.ops.convert_to_numpy(v) for i, v in enumerate(variables)}
    for key, seed_state in gan._seed_states().items():
        state[key] = keras.ops.convert_to_numpy(seed_state)
    return state


def _assert_same_state(actual_dir, expected_dir):
    # Bit for bit on every backend: the same steps run on the same batches, from the
    # same variables, optimizer states and seed states.
    actual, expected = _state(actual_dir / "gan.keras"), _state(expected_dir / "gan.keras")
    assert sorted(actual) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(actual[key], value, err_msg=key)
    generators = [
        keras.models.load_model(d / "generator.keras").get_weights()
        for d in (actual_dir, expected_dir)
    ]
    for a, b in zip(*generators, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("recipe", sorted(RECIPE_FLAGS))
def test_a_killed_run_resumed_ends_as_the_run_trained_in_one_go(runs, recipe):
    # A checkpoint every epoch for a run of 4 epochs (at most 20 a run).
    assert runs[recipe, "after_kill"] == [
        "gan_epoch_0001.keras",
        "gan_epoch_0002.keras",
        "generator_epoch_0001.keras",
        "generator_epoch_0002.keras",
    ]
    resumed = runs[recipe, "resumed"]
    _assert_same_state(resumed, runs[recipe, "whole"])
    assert GANCheckpoint.latest_epoch(resumed / "checkpoints") == EPOCHS
    saved = json.loads((resumed / "args.json").read_text())
    assert saved["settings"]["epochs"] == EPOCHS
    assert saved["command"][1] == f"keras-gan train --resume {resumed} --quiet"


def test_a_finished_run_resumed_with_more_epochs_trains_on(runs):
    extended = runs["dcgan", "extended"]
    _assert_same_state(extended, runs["dcgan", "whole"])
    saved = json.loads((extended / "args.json").read_text())
    assert saved["settings"]["epochs"] == EPOCHS  # the new total, for the next resume


def test_the_recipe_schedule_ends_where_the_run_ends(runs):
    total_images, scheduler = runs["r3gan", "schedule"]
    gan = keras.models.load_model(runs["r3gan", "whole"] / "gan.keras")
    # 40 images in batches of 16 (16, 16, 8): 160 in 4 epochs (it was 4 x 3 x 16 = 192).
    assert int(gan.images_seen) == total_images == 160
    end = recipes.R3GAN_SETTINGS["gamma_end"]
    assert scheduler.schedules["r1_penalty"](total_images) == pytest.approx(end)
    # The weight set as the last batch started, at 152 of 160 images: 0.1055 (0.194 on a
    # schedule 192 images long).
    assert end <= float(gan.r1_penalty) < end + 0.01


def test_the_run_length_counts_partial_batches_and_passes_one_after_the_other():
    assert _cli_run.run_images(2, 40, 32, None) == 80  # 32 + 8 a pass (was 128)
    assert _cli_run.run_images(2, 40, 32, 3) == 120  # 32, 8, 32 | 8, 32, 8
    assert _cli_run.run_images(3, 64, 32, 1) == 96  # full batches only


def test_the_data_order_depends_on_the_seed_and_the_batch_place_alone():
    images = np.arange(10, dtype="float32").reshape(10, 1)

    def batches(seed, start, n):
        stream = _cli_run.epoch_stream(images, 4, seed, start_batch=start)
        return [b.numpy().ravel().tolist() for b in stream.take(n)]

    run = batches(0, 0, 9)  # three passes of 4, 4, 2 images
    assert [len(b) for b in run] == [4, 4, 2] * 3
    for p in range(3):
        assert sorted(sum(run[3 * p : 3 * p + 3], [])) == list(range(10))
    assert run[:3] != run[3:6]  # a new order every pass
    assert batches(0, 4, 5) == run[4:]  # resumed mid-pass or at a pass
    assert batches(0, 6, 3) == run[6:]
    assert batches(1, 0, 3) != run[:3]


def test_r3gan_refuses_ada_with_a_command_line_remedy(capsys):
    assert cli.main(["train", "--recipe", "r3gan", "--augment", "ada"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "keras-gan train: error: Expected --augment none or --augment diffaugment with "
        "--recipe r3gan: ADA steers its probability by the share of real scores above the "
        "loss's real/fake boundary, and the relativistic loss has none (use --recipe dcgan "
        "for ADA). Received: --augment ada"
    ]


def test_help_says_which_flags_each_recipe_takes_and_what_resume_takes(capsys):
    assert cli.main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--recipe r3gan sets --loss, --d-lr, --g-lr, --ema-decay, --reuse-fakes, --r1" in text
    assert "takes --augment none or diffaugment (not ada" in text
    assert "it takes only --epochs (the new total), --quiet and --verbose" in text


def _one_line_error(capsys, argv, status):
    assert cli.main(argv) == status
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    "flags, received",
    [
        (["--batch-size", "8"], "--batch-size"),
        (["--recipe", "r3gan", "--loss", "hinge"], "--recipe --loss"),
        (["--data", "mnist"], "--dataset"),  # abbreviated
        (["--no-scores", "--seed", "0"], "--seed --no-scores"),
    ],
)
def test_resume_refuses_flags_that_would_change_the_run(capsys, tmp_path, flags, received):
    line = _one_line_error(capsys, ["train", "--resume", str(tmp_path), *flags], 2)
    assert line == (
        "keras-gan train: error: Expected only --epochs, --quiet, --verbose with --resume, "
        "which reads the run's other settings from RUN_DIR/args.json (start a new run to "
        f"change them). Received: {received}"
    )


def test_resume_names_what_the_folder_lacks(capsys, tmp_path):
    line = _one_line_error(capsys, ["train", "--resume", str(tmp_path / "none")], 1)
    assert line.endswith("Received: " + repr(str(tmp_path / "none")) + ", which is not a folder")
    line = _one_line_error(capsys, ["train", "--resume", str(tmp_path)], 1)
    assert line == (
        "keras-gan train: error: Expected a run directory of `keras-gan train` holding "
        "args.json (the run's settings). Received: --resume "
        f"{str(tmp_path)!r}, which has no args.json"
    )
    settings = vars(cli.build_parser().parse_args(["train", *TINY]))
    settings = {k: v for k, v in settings.items() if k not in ("command", "resume")}
    (tmp_path / "args.json").write_text(json.dumps({"settings": settings, "command": ["x"]}))
    line = _one_line_error(capsys, ["train", "--resume", str(tmp_path)], 1)
    assert line.startswith(
        "keras-gan train: error: Expected a run directory holding a checkpoint "
        "(checkpoints/gan_epoch_NNNN.keras) to resume from. Received: --resume"
    )
    assert line.endswith(
        "whose checkpoints/ holds none (the run stopped before its first checkpoint: train "
        "anew under another --name, or after deleting the folder)"
    )
    (tmp_path / "args.json").write_text("{")
    line = _one_line_error(capsys, ["train", "--resume", str(tmp_path)], 1)
    assert "Expected args.json as `keras-gan train` writes it." in line


def test_resume_refuses_fewer_epochs_than_its_checkpoint(runs, capsys):
    run_dir = runs["dcgan", "resumed"]
    line = _one_line_error(capsys, ["train", "--resume", str(run_dir), "--epochs", "3"], 1)
    assert line == (
        "keras-gan train: error: Expected --epochs of at least 4, the epochs of the newest "
        "checkpoint, with --resume. Received: --epochs 3"
    )


def test_the_run_saves_its_settings_before_training(tmp_path, monkeypatch):
    run_dir = tmp_path / "r"
    saved = []

    def fit(*args, **kwargs):
        saved.append(json.loads((run_dir / "args.json").read_text()))
        raise KeyboardInterrupt

    monkeypatch.setattr(keras_gan.GAN, "fit", fit)
    argv = ["train", *TINY, "--output-dir", str(tmp_path), "--name", "r", "--seed", "3"]
    assert cli.main(argv) == 130
    ((settings, command),) = [(s["settings"], s["command"]) for s in saved]
    assert command == ["keras-gan " + " ".join(argv)]
    assert settings["seed"] == 3 and settings["max_samples"] == 40
    assert not {"resume", "quiet", "verbose", "argv", "command"} & set(settings)
    # Stopped before its first checkpoint: nothing to resume, the folder can be used again.
    assert not (run_dir / "args.json").exists()
