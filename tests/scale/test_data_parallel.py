"""JAX: keras.distribution.DataParallel over 2 forced host devices equals one device."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "data_parallel_script.py")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs JAX installed")
def test_data_parallel_equals_single_device():
    out = subprocess.run(
        [sys.executable, SCRIPT], capture_output=True, text=True, timeout=300, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["devices"] == 2
    assert result["iterations"] == 4
    for key, values in result["single"].items():
        assert result["parallel"][key] == pytest.approx(values, rel=1e-4, abs=1e-5), key
    assert result["max_weight_diff"] < 1e-5
