"""tf.distribute.MirroredStrategy on 2 logical CPU devices equals one device."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "mirrored_script.py")


@pytest.mark.tensorflow_only
@pytest.mark.parametrize(
    "loss, penalty, step, augment",
    [
        ("non_saturating", 0.0, "default", "none"),
        ("wasserstein", 10.0, "default", "none"),
        ("wasserstein", 10.0, "reuse_fakes", "none"),
        ("non_saturating", 0.0, "default", "ada"),
        ("non_saturating", 0.0, "default", "diffaugment"),
    ],
)
def test_mirrored_training_equals_single_device(loss, penalty, step, augment):
    # With augmentation, each replica must draw its own slice of the global batch's draw.
    out = subprocess.run(
        [sys.executable, SCRIPT, loss, str(penalty), step, augment],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["d_iterations"] == 4  # 2 epochs x 2 global batches, one update each
    assert result["images_seen"] == [64, 64]  # global batches counted once
    for key, values in result["single"].items():
        assert result["mirrored"][key] == pytest.approx(values, rel=1e-4, abs=1e-5), key
    assert result["max_weight_diff"] < 1e-5
    if augment == "ada":
        single_p, mirrored_p = result["augment_p"]
        assert single_p == pytest.approx(mirrored_p) and single_p != 0.5
