"""JAX across 2 processes on loopback (`keras.distribution.initialize`, gloo CPU
collectives) equals one process fed the same global batches, writes its files from
process 0 only, and resumes exactly after every process is killed.

`jax_multiprocess_script.py` runs each process; see it for what each phase trains.
"""

import importlib.util
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from test_multiworker import free_ports

SCRIPT = os.path.join(os.path.dirname(__file__), "jax_multiprocess_script.py")
TIMEOUT = 420  # seconds for each group of processes; a group takes 1-3 min on 2 busy cores

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs JAX installed"),
]


class _Processes:
    """Processes of the script started in their own process groups, killed on exit."""

    def __init__(self, workdir):
        self.workdir, self.started = workdir, []

    def start(self, index, count, port, phase, workdir=None):
        workdir = workdir or self.workdir
        log = open(workdir / f"log_{phase}_{count}_{index}.txt", "w")
        env = {
            **os.environ,
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "KERAS_BACKEND": "jax",
            "JAX_COMPILATION_CACHE_DIR": str(self.workdir / "jax_cache"),
        }
        command = [sys.executable, SCRIPT, str(index), str(count), str(port), str(workdir), phase]
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        self.started.append(process)
        return process

    def kill(self, process):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its own group: only what it started
        process.wait()

    def wait(self, processes, deadline):
        for process in processes:
            try:
                process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pytest.fail(f"a process ran past {TIMEOUT} s:\n{self.logs()}")
        codes = [process.returncode for process in processes]
        assert codes == [0] * len(processes), self.logs()

    def logs(self):
        paths = sorted(self.workdir.rglob("log_*.txt"))
        return "\n".join(f"== {p.name}\n{p.read_text()[-2500:]}" for p in paths)

    def close(self):
        for process in self.started:
            self.kill(process)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Runs 2 processes and 1 reference process (`train`); then 2 processes killed
    mid-run (`kill`), then restarted (`resume`), which find the compiled step of the
    first 2 in JAX's compilation cache."""
    workdir = tmp_path_factory.mktemp("jax_multiprocess")
    single = workdir / "single"
    single.mkdir()
    processes = _Processes(workdir)
    try:
        train_port, kill_port, resume_port = free_ports(3)
        deadline = time.monotonic() + TIMEOUT
        train = [processes.start(i, 2, train_port, "train") for i in range(2)]
        reference = processes.start(0, 1, 0, "train", workdir=single)
        processes.wait([*train, reference], deadline)

        deadline = time.monotonic() + TIMEOUT
        kill = [processes.start(i, 2, kill_port, "kill") for i in range(2)]
        while not all((workdir / f"killpoint_{i}").exists() for i in range(2)):
            if any(p.poll() is not None for p in kill) or time.monotonic() > deadline:
                pytest.fail(f"the killed run never reached its kill point:\n{processes.logs()}")
            time.sleep(0.1)
        for process in kill:  # both at once: a process outliving the other aborts itself
            os.killpg(process.pid, signal.SIGKILL)
        killed_with = [process.wait() for process in kill]
        after_kill = sorted(os.listdir(workdir / "ckpt"))
        resume = [processes.start(i, 2, resume_port, "resume") for i in range(2)]
        processes.wait(resume, deadline)
    finally:
        processes.close()
    return {"workdir": workdir, "killed_with": killed_with, "after_kill": after_kill}


def _load(path):
    with np.load(path) as f:
        return dict(f)


def _assert_equal_states(first, second, atol):
    assert sorted(first) == sorted(second)
    for key in first:
        np.testing.assert_allclose(first[key], second[key], rtol=0, atol=atol, err_msg=key)


@pytest.mark.parametrize("name", ["gan", "cgan"])
def test_every_process_ends_equal_to_one_process(runs, name):
    workdir = runs["workdir"]
    first, second = (_load(workdir / f"{name}_{i}.npz") for i in range(2))
    single = _load(workdir / "single" / f"{name}_0.npz")
    # weights (EMA, BatchNorm statistics, ADA's p), both optimizers, the seed states
    assert {"seed_state_0", "seed_state_1", "d_optimizer_000", "g_optimizer_000"} <= set(first)
    _assert_equal_states(first, second, atol=0)  # the same numbers, bit for bit
    # 64 samples in global batches of 16, 2 epochs: 8 generator, 16 discriminator updates
    assert int(first["g_optimizer_000"]) == 8 and int(first["d_optimizer_000"]) == 16
    assert first["log_augment_p"][-1] > 0.2  # ADA raised p: the augmentations ran
    _assert_equal_states(first, single, atol=1e-5)
    for key in ("fd", "kid", "precision", "recall"):
        assert np.all(np.isfinite(first[f"log_{key}"])), key


def test_only_process_0_writes_files(runs):
    workdir = runs["workdir"]
    for name in ("gan", "cgan"):
        written = sorted(p.name for p in (workdir / "p0" / name / "ckpt").iterdir())
        assert written == [
            "gan_epoch_0001.keras",
            "gan_epoch_0002.keras",
            "generator_epoch_0001.keras",
            "generator_epoch_0002.keras",
        ]
        samples = sorted(p.name for p in (workdir / "p0" / name / "logs" / "samples").iterdir())
        assert samples == ["epoch_0001.png", "epoch_0002.png"]
        assert list((workdir / "p0" / name / "stats").glob("reference-*.npz"))
        assert not (workdir / "p1" / name).exists() or not any(
            p.is_file() for p in (workdir / "p1" / name).rglob("*")
        )


def test_a_run_killed_on_every_process_resumes_exactly(runs):
    workdir = runs["workdir"]
    # Killed; process 1 may have seen its coordinator die first and aborted itself.
    assert runs["killed_with"][0] == -signal.SIGKILL
    assert runs["killed_with"][1] in (-signal.SIGKILL, -signal.SIGABRT)
    # killed in epoch 2: only epoch 1 was saved, by process 0, into the shared folder
    assert runs["after_kill"] == ["gan_epoch_0001.keras", "generator_epoch_0001.keras"]
    first, second = (_load(workdir / f"resumed_{i}.npz") for i in range(2))
    uninterrupted = _load(workdir / "gan_0.npz")
    _assert_equal_states(first, second, atol=0)
    assert int(first["g_optimizer_000"]) == 8
    uninterrupted = {k: v for k, v in uninterrupted.items() if not k.startswith("log_")}
    resumed = {k: v for k, v in first.items() if not k.startswith("log_")}
    _assert_equal_states(resumed, uninterrupted, atol=1e-6)
