"""MultiWorkerMirroredStrategy: 2 worker processes on loopback end with equal weights;
only the chief (worker 0) writes checkpoints and image grids."""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "multiworker_script.py")


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [str(s.getsockname()[1]) for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.tensorflow_only
def test_two_workers_train_to_identical_weights(tmp_path):
    ports = free_ports(2)
    outs = [tmp_path / f"worker{i}.npz" for i in range(2)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    workers = [
        subprocess.Popen(
            [sys.executable, SCRIPT, str(i), *ports, str(outs[i])],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    try:
        logs = [w.communicate(timeout=240)[0] for w in workers]
    finally:
        for w in workers:
            w.kill()
    assert [w.returncode for w in workers] == [0, 0], logs
    first, second = (np.load(out) for out in outs)
    # 64 samples in global batches of 16: 4 steps an epoch, 2 epochs
    assert int(first["iterations"]) == int(second["iterations"]) == 8
    weight_keys = [k for k in first.files if k.startswith("w")]
    assert weight_keys
    for key in weight_keys:
        np.testing.assert_array_equal(first[key], second[key])
        assert np.all(np.isfinite(first[key]))
    np.testing.assert_allclose(first["d_loss"], second["d_loss"], rtol=1e-6)
    assert np.all(np.isfinite(first["g_loss"]))
    assert first["process"].tolist() == [0, 2] and second["process"].tolist() == [1, 2]
    assert first["received"].tolist() == second["received"].tolist() == [10.0, 0.0]
    # GANQuality: the chief's figures on both workers
    np.testing.assert_array_equal(first["fd"], second["fd"])
    np.testing.assert_array_equal(first["kid"], second["kid"])
    assert first["fd"].shape == (2,) and np.all(np.isfinite(first["fd"]))
    chief, other = (tmp_path / f"worker{i}_files" for i in range(2))
    assert sorted(os.listdir(chief / "ckpt")) == [
        "gan_epoch_0001.keras",
        "gan_epoch_0002.keras",
        "generator_epoch_0001.keras",
        "generator_epoch_0002.keras",
    ]
    assert sorted(os.listdir(chief / "logs" / "samples")) == ["epoch_0001.png", "epoch_0002.png"]
    assert not other.exists() or not [p for p in other.rglob("*") if p.is_file()]
