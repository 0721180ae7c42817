"""TensorFlow's MultiWorkerMirroredStrategy: 2 workers on loopback killed with SIGKILL
mid-epoch resume from `GANCheckpoint` to the weights of an uninterrupted 2-worker run.

`multiworker_resume_script.py` runs each worker; the JAX counterpart is
tests/scale/test_jax_multiprocess.py.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "scale"))
from test_multiworker import free_ports  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(__file__), "multiworker_resume_script.py")
TIMEOUT = 300  # seconds for each pair of workers; a pair takes 30-60 s on 2 busy cores

pytestmark = [pytest.mark.slow, pytest.mark.tensorflow_only]


def _start(workdir, phase, ports):
    """Both workers of `phase`, each in its own process group (killed alone)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    workers = []
    for index in range(2):
        log = open(workdir / f"log_{phase}_{index}.txt", "w")
        command = [sys.executable, SCRIPT, str(index), *ports, str(workdir), phase]
        workers.append(
            subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        )
        log.close()
    return workers


def _logs(workdir):
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in workdir.glob("log_*"))


def _kill(workers):
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    return [worker.wait() for worker in workers]


def _finish(workers, workdir, deadline):
    try:
        for worker in workers:
            worker.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill(workers)
        pytest.fail(f"the workers did not finish in time:\n{_logs(workdir)}")
    assert [w.returncode for w in workers] == [0, 0], _logs(workdir)


def test_two_workers_killed_mid_epoch_resume_exactly(tmp_path):
    deadline = time.monotonic() + TIMEOUT
    reference = _start(tmp_path, "train", free_ports(2))
    killed = _start(tmp_path, "kill", free_ports(2))  # alongside: the machine waits anyway
    try:
        while not all((tmp_path / f"killpoint_{i}").exists() for i in range(2)):
            if any(w.poll() is not None for w in killed) or time.monotonic() > deadline:
                pytest.fail(f"the killed run never reached its kill point:\n{_logs(tmp_path)}")
            time.sleep(0.2)
        killed_with = _kill(killed)
        after_kill = sorted(os.listdir(tmp_path / "ckpt"))
        _finish(reference, tmp_path, deadline)
        deadline = time.monotonic() + TIMEOUT
        _finish(_start(tmp_path, "resume", free_ports(2)), tmp_path, deadline)
    finally:
        _kill(reference + killed)
    assert killed_with == [-signal.SIGKILL] * 2
    assert after_kill == [  # the chief's files only, epochs 1 and 2
        "gan_epoch_0001.keras",
        "gan_epoch_0002.keras",
        "generator_epoch_0001.keras",
        "generator_epoch_0002.keras",
    ]
    train = [np.load(tmp_path / f"train_{i}.npz") for i in range(2)]
    resumed = [np.load(tmp_path / f"resume_{i}.npz") for i in range(2)]
    # 64 samples in global batches of 16: 4 steps an epoch, 3 epochs
    for run in train + resumed:
        assert int(run["iterations"]) == int(run["d_iterations"]) == 12
    assert [int(run["initial_epoch"]) for run in resumed] == [2, 2]
    keys = [k for k in train[0].files if k.startswith("w") or k == "seed_state"]
    assert len(keys) > 5
    for index in range(2):
        for key in keys:
            np.testing.assert_array_equal(resumed[index][key], train[index][key], err_msg=key)
            np.testing.assert_array_equal(train[index][key], train[0][key], err_msg=key)
