"""Reading torch.save files without torch, checked against torch itself (torch env)."""

import numpy as np
import pytest

from keras_gan.metrics._torch_checkpoint import read_state_dict

torch = pytest.importorskip("torch", reason="the files are written by torch.save")


@pytest.mark.parametrize("legacy_format", [False, True], ids=["zip", "legacy"])
def test_state_dict_read_without_torch_equals_torch_tensors(tmp_path, legacy_format):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    state = model.state_dict()
    state["half"] = torch.randn(2, 3).half()
    state["transposed"] = torch.randn(3, 5).t()  # a strided view of its storage
    state["shared"] = state["transposed"][1:, 2:]  # another view of the same storage
    path = tmp_path / "weights.pth"
    torch.save(state, path, _use_new_zipfile_serialization=not legacy_format)
    read = read_state_dict(str(path))
    assert sorted(read) == sorted(state)
    for key, tensor in state.items():
        assert read[key].dtype == tensor.numpy().dtype, key
        np.testing.assert_array_equal(read[key], tensor.numpy(), err_msg=key)


def test_a_pickle_of_anything_else_is_refused(tmp_path):
    path = tmp_path / "model.pth"
    torch.save({"layer": torch.nn.Linear(2, 2)}, path)
    with pytest.raises(ValueError, match=r"state_dict file .*torch\.nn\.modules"):
        read_state_dict(str(path))
