"""The torch-file reader refuses what a state_dict of tensors never holds (every backend).

The files are written here byte by byte, without torch, so these run everywhere.
"""

import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

from keras_gan.metrics._torch_checkpoint import read_state_dict


def _text(value):
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _ints(*values):
    return b"(" + b"".join(b"K" + bytes([v]) for v in values) + b"t"


def _state_dict_pickle(size, stride, numel=4):
    """`{"w": tensor}` as torch pickles it: a rebuild call on a persistent storage."""
    storage = (
        b"(" + _text("storage") + b"ctorch\nFloatStorage\n" + _text("0") + _text("cpu")
        + b"K" + bytes([numel]) + b"tQ"
    )  # fmt: skip
    call = (
        b"ctorch._utils\n_rebuild_tensor_v2\n("
        + storage + b"K\x00" + _ints(*size) + _ints(*stride) + b"\x89}tR"
    )  # fmt: skip
    return b"\x80\x02}" + _text("w") + call + b"s."


def _zip_file(path, data_pkl, values):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w/data.pkl", data_pkl)
        archive.writestr("w/data/0", np.asarray(values, "<f4").tobytes())
    return str(path)


class _RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_hand_written_state_dict_reads_its_strided_tensor(tmp_path):
    path = _zip_file(tmp_path / "w.pth", _state_dict_pickle((2, 2), (1, 2)), [1, 2, 3, 4])
    np.testing.assert_array_equal(read_state_dict(path)["w"], [[1, 3], [2, 4]])


def test_a_tensor_reaching_past_its_storage_is_refused(tmp_path):
    path = _zip_file(tmp_path / "w.pth", _state_dict_pickle((3, 3), (3, 1)), [1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"inside its storage of 4 elements.*size=\(3, 3\)"):
        read_state_dict(path)


@pytest.mark.parametrize("where", ["zip", "legacy header", "legacy body"])
def test_a_pickle_that_runs_code_is_refused_without_running_it(tmp_path, where):
    marker = tmp_path / "ran"
    payload = pickle.dumps(_RunsACommand(marker), protocol=2)
    path = tmp_path / "evil.pth"
    if where == "zip":
        _zip_file(path, payload, [0.0])
    else:
        magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
        header = [payload] if where == "legacy header" else [magic, b"K\x02.", b"}.", payload]
        path.write_bytes(b"".join(header))
    with pytest.raises(ValueError, match=r"posix\.system|os\.system|nt\.system"):
        read_state_dict(str(path))
    assert not marker.exists()
