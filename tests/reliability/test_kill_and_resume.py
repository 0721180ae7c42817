"""Training killed with SIGKILL resumes without losing work.

`train_script.py` runs in subprocesses (all started at once, to share the wait):

- `checkpoint`: killed in the middle of epoch 3, resumed from `GANCheckpoint.latest`;
- `backup`: the same with `keras.callbacks.BackupAndRestore(save_freq=3)`;
- `kill_in_write`: kills itself while writing the checkpoint of epoch 3.

Their final states are compared with in-process runs of the same GAN on the same data.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import train_script as ts

import keras_gan
from keras_gan.callbacks import GANCheckpoint
from keras_gan.saving import load_gan

SCRIPT = Path(__file__).with_name("train_script.py")
TIMEOUT = 300  # seconds per subprocess; a run takes 5-20 s on 2 busy CPU cores
CHECKPOINT_NAME = re.compile(r"^(gan|generator)_epoch_\d{4}\.keras$")
# One uninterrupted run: 4 epochs of 8 batches; 2 discriminator updates per batch.
G_STEPS = ts.EPOCHS * ts.NUM_SAMPLES // ts.BATCH_SIZE
assert G_STEPS == 32


def _start(mode, workdir):
    env = {**os.environ, "KERAS_BACKEND": keras.config.backend(), "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(workdir / f"output_{len(list(workdir.glob('output_*')))}.txt", "w") as out:
        return subprocess.Popen(
            [sys.executable, str(SCRIPT), mode, str(workdir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def _output(workdir):
    return "\n".join(p.read_text()[-3000:] for p in sorted(workdir.glob("output_*")))


def _wait_for_killpoint(process, workdir):
    deadline = time.monotonic() + TIMEOUT
    while not (workdir / "killpoint").exists():
        if process.poll() is not None:
            pytest.fail(f"the run ended before its kill point:\n{_output(workdir)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no kill point after {TIMEOUT} s:\n{_output(workdir)}")
        time.sleep(0.05)


def _wait(process, workdir):
    try:
        return process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the run took more than {TIMEOUT} s:\n{_output(workdir)}")


def _listing(directory):
    return sorted(os.listdir(directory)) if directory.exists() else []


class _Snapshot(keras.callbacks.Callback):
    def __init__(self, after_epoch):
        super().__init__()
        self.after_epoch, self.state = after_epoch, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.after_epoch:
            self.state = ts.final_state(self.model)


def _reference_runs():
    """In-process runs of the same GAN on the same data.

    - `after_epoch_2`, `end`: one uninterrupted run, after epoch 2 and at its end;
    - `replayed`: a run whose epoch 3 starts with the batches it had trained before
      the backup of the `backup` scenario (`KILL_BATCH + 1` of them) one extra time.
    """
    x = ts.data()
    keras.backend.clear_session(free_memory=False)
    gan = ts.build_gan()
    snapshot = _Snapshot(after_epoch=ts.KILL_EPOCH - 1)
    gan.fit(x, epochs=ts.EPOCHS, callbacks=[snapshot], **ts.FIT_KWARGS)
    references = {"after_epoch_2": snapshot.state, "end": ts.final_state(gan)}

    keras.backend.clear_session(free_memory=False)
    gan = ts.build_gan()
    gan.fit(x, epochs=ts.KILL_EPOCH, **ts.FIT_KWARGS)
    gan.fit(x[: (ts.KILL_BATCH + 1) * ts.BATCH_SIZE], epochs=1, **ts.FIT_KWARGS)
    gan.fit(x, initial_epoch=ts.KILL_EPOCH, epochs=ts.EPOCHS, **ts.FIT_KWARGS)
    references["replayed"] = ts.final_state(gan)
    return references


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Runs the three scenarios, and the reference runs while the subprocesses work.

    Returns `{mode: facts}` for each scenario, and `"reference"`: `_reference_runs()`.
    """
    workdirs = {mode: tmp_path_factory.mktemp(mode) for mode in ("checkpoint", "backup")}
    workdirs["kill_in_write"] = tmp_path_factory.mktemp("kill_in_write")
    facts = {mode: {"workdir": workdir} for mode, workdir in workdirs.items()}
    processes = {mode: _start(mode, workdir) for mode, workdir in workdirs.items()}
    try:
        facts["reference"] = _reference_runs()
        for mode in ("checkpoint", "backup"):
            _wait_for_killpoint(processes[mode], workdirs[mode])
            os.kill(processes[mode].pid, signal.SIGKILL)
            facts[mode]["first_returncode"] = _wait(processes[mode], workdirs[mode])
            facts[mode]["after_kill"] = _listing(workdirs[mode] / "ckpt")
            if mode == "backup":
                metadata = workdirs[mode] / "backup" / "training_metadata.json"
                facts[mode]["metadata"] = json.loads(metadata.read_text())
            processes[mode] = _start(mode, workdirs[mode])  # the same command again
        facts["kill_in_write"]["first_returncode"] = _wait(
            processes["kill_in_write"], workdirs["kill_in_write"]
        )
        for mode in ("checkpoint", "backup"):
            assert _wait(processes[mode], workdirs[mode]) == 0, _output(workdirs[mode])
            with np.load(workdirs[mode] / "final.npz") as final:
                facts[mode]["final"] = dict(final)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return facts


def _assert_same_state(actual, expected):
    expected = {k: v for k, v in expected.items() if k != "epochs_started"}
    assert sorted(k for k in actual if k != "epochs_started") == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(actual[key], value, rtol=0, atol=1e-6, err_msg=key)


def _iterations(state):
    return int(state["d_optimizer_000"]), int(state["g_optimizer_000"])


def test_gan_checkpoint_resumes_a_run_killed_mid_epoch_exactly(runs):
    run = runs["checkpoint"]
    assert run["first_returncode"] == -signal.SIGKILL
    # Killed in epoch 3: epochs 1 and 2 are saved (keep=2), epoch 3 is not.
    assert run["after_kill"] == [
        "gan_epoch_0001.keras",
        "gan_epoch_0002.keras",
        "generator_epoch_0001.keras",
        "generator_epoch_0002.keras",
    ]
    final = run["final"]
    assert final["epochs_started"].tolist() == [2, 3]
    assert _iterations(final) == (2 * G_STEPS, G_STEPS)
    # weights (EMA and BatchNorm statistics included), both optimizers, every seed state
    assert {"seed_state_0", "seed_state_1", "seed_state_2"} <= set(final)
    _assert_same_state(final, runs["reference"]["end"])
    # the resumed run's own last checkpoint
    gan = load_gan(GANCheckpoint.latest(run["workdir"] / "ckpt"))
    assert isinstance(gan, keras_gan.GAN) and int(gan.g_optimizer.iterations) == G_STEPS


def test_backup_and_restore_mid_epoch_replays_the_backed_up_batches(runs):
    """Keras 3.15's `BackupAndRestore(save_freq=N)` cannot resume a kill mid-epoch exactly.

    Its mid-epoch backup holds the weights after the last saved batch, and its metadata
    records that batch, but `_load_model` reads only the epoch and `fit` restarts that
    epoch at its first batch: the batches of the interrupted epoch trained before the
    backup are trained twice. What is true, and tested: the resumed run equals an
    uninterrupted run in which those batches run one extra time.
    """
    run = runs["backup"]
    assert run["first_returncode"] == -signal.SIGKILL
    # save_freq=3 saves after batches 3, 6, ..., 21 of the run: batch 21 is the fifth
    # batch (index 4) of epoch 3 (index 2), the batch the kill came after.
    assert run["metadata"] == {"epoch": ts.KILL_EPOCH, "batch": ts.KILL_BATCH}
    final = run["final"]
    assert final["epochs_started"].tolist() == [2, 3]  # epoch 3 started over
    replayed = ts.KILL_BATCH + 1
    assert _iterations(final) == (2 * (G_STEPS + replayed), G_STEPS + replayed)

    _assert_same_state(final, runs["reference"]["replayed"])
    differences = [
        np.max(np.abs(final[k] - v)) for k, v in runs["reference"]["end"].items() if "weight" in k
    ]
    assert max(differences) > 1e-3  # not the uninterrupted run


def test_a_kill_inside_a_checkpoint_write_leaves_the_previous_checkpoint(runs):
    run = runs["kill_in_write"]
    directory = run["workdir"] / "ckpt"
    assert run["first_returncode"] == -signal.SIGKILL
    names = _listing(directory)
    temp = [name for name in names if not CHECKPOINT_NAME.match(name)]
    assert [name for name in names if CHECKPOINT_NAME.match(name)] == [
        "gan_epoch_0001.keras",
        "gan_epoch_0002.keras",
        "generator_epoch_0001.keras",
        "generator_epoch_0002.keras",
        "generator_epoch_0003.keras",  # complete: the GAN file is written last
    ]
    # The half-written file is there, under a name no checkpoint lookup matches.
    assert len(temp) == 1 and temp[0].endswith("gan_epoch_0003.keras")
    whole = int(re.search(r"KILLED-IN-WRITE \S+ (\d+)", _output(run["workdir"])).group(1))
    assert os.path.getsize(directory / temp[0]) == whole // 2 > 0

    assert GANCheckpoint.latest(directory) == str(directory / "gan_epoch_0002.keras")
    assert GANCheckpoint.latest_epoch(directory) == 2
    restored = keras.models.load_model(GANCheckpoint.latest(directory))
    _assert_same_state(ts.final_state(restored), runs["reference"]["after_epoch_2"])
    for name in names:
        if CHECKPOINT_NAME.match(name):
            assert isinstance(keras.models.load_model(directory / name), keras.Model)
    with pytest.raises(ValueError, match="cut off before its end"):
        load_gan(directory / temp[0])


class _RaiseAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("interrupted")


def test_backup_and_restore_records_epoch_0_when_interrupted_again_before_an_epoch_ends(
    tmp_path,
):
    """Keras 3.15: a resumed run's `BackupAndRestore` counts epochs from 0 again.

    Its `_current_epoch` starts at 0 and is only set at an epoch's end, so a mid-epoch
    backup written before the resumed run finishes an epoch records epoch 0, and the
    next resume starts over at epoch 0 (with the latest weights).
    """
    backup_dir = tmp_path / "backup"
    metadata = backup_dir / "training_metadata.json"
    gan = ts.build_gan()
    x = ts.data()

    def fit(*callbacks):
        started = []
        log = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: started.append(e))
        backup = keras.callbacks.BackupAndRestore(backup_dir, save_freq=ts.SAVE_FREQ)
        gan.fit(x, epochs=ts.EPOCHS, callbacks=[backup, log, *callbacks], **ts.FIT_KWARGS)
        return started

    with pytest.raises(RuntimeError, match="interrupted"):
        fit(_RaiseAt(ts.KILL_EPOCH, ts.KILL_BATCH))
    assert json.loads(metadata.read_text()) == {"epoch": 2, "batch": 4}
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(_RaiseAt(ts.KILL_EPOCH, 2))  # the resumed run's first backup: its batch 2
    assert json.loads(metadata.read_text()) == {"epoch": 0, "batch": 2}
    assert fit() == [0, 1, 2, 3]


@pytest.mark.skipif(
    keras.config.backend() != "torch", reason="a fact of Keras' PyTorch backend only"
)
def test_torch_unseeded_dropout_masks_come_from_torch_global_generator():
    """Why `train_script` seeds its Dropout: on torch, an unseeded mask is in no checkpoint."""
    import torch

    x = keras.ops.ones((1, 256))
    unseeded = keras.layers.Dropout(0.5)
    seeded = keras.layers.Dropout(0.5, seed=3)

    def mask(layer, torch_seed, seed_state):
        torch.manual_seed(torch_seed)
        layer.seed_generator.state.assign(seed_state)
        return keras.ops.convert_to_numpy(layer(x, training=True)) > 0

    for layer in (unseeded, seeded):
        layer.build(x.shape)
    state = {
        id(layer): keras.ops.convert_to_numpy(layer.seed_generator.state)
        for layer in (unseeded, seeded)
    }
    # The unseeded layer follows torch.manual_seed, whatever its SeedGenerator state...
    a = mask(unseeded, 0, state[id(unseeded)])
    assert np.array_equal(a, mask(unseeded, 0, state[id(unseeded)] + 1))
    assert not np.array_equal(a, mask(unseeded, 1, state[id(unseeded)]))
    # ... the seeded one follows its SeedGenerator state (which the GAN saves) only.
    b = mask(seeded, 0, state[id(seeded)])
    assert np.array_equal(b, mask(seeded, 1, state[id(seeded)]))
    assert not np.array_equal(b, mask(seeded, 0, state[id(seeded)] + 1))
