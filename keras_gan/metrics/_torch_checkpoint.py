"""Reading a PyTorch `state_dict` file (`torch.save`) into NumPy arrays, without torch
(private).

Both of torch's formats are read: the zip archive of torch >= 1.6 (`data.pkl`, whose
tensors point at raw storages `data/<key>`) and the older single-stream format (a few
pickles, then each storage as an int64 element count and its bytes), the one of
pytorch-fid's 2019 weights. Only the globals a `state_dict` of tensors needs are
resolved; anything else in the pickle is refused, as `torch.load(weights_only=True)`
does.
"""

import collections
import io
import pickle
import zipfile

import numpy as np

#: torch storage classes -> NumPy dtypes (little-endian, as torch writes them).
_STORAGE_DTYPES = {
    "DoubleStorage": "<f8",
    "FloatStorage": "<f4",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}
#: The magic number at the start of a legacy (non-zip) torch file.
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _StorageType:
    def __init__(self, name):
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


class _Storage:
    """A storage named in the pickle; its bytes are read once its key is known."""

    def __init__(self, key, dtype):
        self.key, self.dtype = key, dtype
        self.array = None


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset = storage, offset
        self.size, self.stride = tuple(size), tuple(stride)

    def to_numpy(self):
        data = self.storage.array
        itemsize = data.dtype.itemsize
        numbers = (self.offset, *self.size, *self.stride)
        if not all(isinstance(n, int) and n >= 0 for n in numbers) or len(self.size) != len(
            self.stride
        ):
            raise ValueError(
                "Expected a tensor of non-negative offset, sizes and strides. Received: "
                f"offset={self.offset!r}, size={self.size!r}, stride={self.stride!r}"
            )
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if 0 not in self.size and last >= len(data):
            # as_strided would read past the storage's bytes.
            raise ValueError(
                f"Expected a tensor inside its storage of {len(data)} elements. Received: "
                f"offset={self.offset}, size={self.size}, stride={self.stride}"
            )
        if not self.size:
            return np.array(data[self.offset])
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :],
            shape=self.size,
            strides=tuple(s * itemsize for s in self.stride),
        )
        return np.array(view)  # a copy, in native byte order below


def _rebuild_tensor(storage, offset, size, stride, *_):
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(tensor, *_):
    return tensor


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(
            "Expected a state_dict of tensors. Received: a pickle that needs "
            f"{module}.{name}, which is not read without torch"
        )

    def persistent_load(self, saved_id):
        # ("storage", storage_type, key, location, numel[, view_metadata])
        valid = isinstance(saved_id, tuple) and saved_id and saved_id[0] == "storage"
        if self.storages is None or not valid:
            raise pickle.UnpicklingError(f"Unknown persistent id in the file: {saved_id!r}")
        storage_type, key = saved_id[1], str(saved_id[2])
        if key not in self.storages:
            self.storages[key] = _Storage(key, storage_type.dtype)
        return self.storages[key]


def _tensors_to_numpy(value):
    if isinstance(value, _Tensor):
        array = value.to_numpy()
        return array.astype(array.dtype.newbyteorder("="), copy=False)
    if isinstance(value, dict):
        return {key: _tensors_to_numpy(item) for key, item in value.items()}
    return value


def _read_zip(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [name for name in names if name.endswith("/data.pkl") or name == "data.pkl"]
        if len(pickles) != 1:
            raise ValueError(
                "Expected a torch zip checkpoint with one data.pkl. Received: "
                f"{path!r}, holding {len(pickles)}"
            )
        prefix = pickles[0][: -len("data.pkl")]
        storages = {}
        with archive.open(pickles[0]) as f:
            result = _Unpickler(io.BytesIO(f.read()), storages).load()
        for key, storage in storages.items():
            raw = archive.read(f"{prefix}data/{key}")
            storage.array = np.frombuffer(raw, dtype=storage.dtype)
    return result


def _read_legacy(path):
    with open(path, "rb") as f:
        # The header's pickles hold plain values: read with no global or storage allowed.
        magic = _Unpickler(f, None).load()
        if magic != _LEGACY_MAGIC:
            raise ValueError(
                f"Expected a file written by torch.save. Received: {path!r}, which starts "
                "with another magic number"
            )
        _Unpickler(f, None).load()  # protocol version
        _Unpickler(f, None).load()  # system info (byte order, type sizes)
        storages = {}
        result = _Unpickler(f, storages).load()
        keys = _Unpickler(f, None).load()
        for key in keys:
            storage = storages[str(key)]
            count = int(np.frombuffer(f.read(8), dtype="<i8")[0])
            raw = f.read(count * storage.dtype.itemsize)
            if count < 0 or len(raw) != count * storage.dtype.itemsize:
                raise ValueError(
                    f"Expected {count} elements of storage {key} in {path!r}. "
                    "Received: a file that ends before them"
                )
            storage.array = np.frombuffer(raw, dtype=storage.dtype)
    return result


def read_state_dict(path) -> dict:
    """Returns the `{name: numpy array}` of a `torch.save(model.state_dict(), path)` file.

    Raises:
        ValueError: the file is not a torch checkpoint of tensors.
    """
    try:
        if zipfile.is_zipfile(path):
            result = _read_zip(path)
        else:
            result = _read_legacy(path)
    except (pickle.UnpicklingError, EOFError, KeyError) as e:
        raise ValueError(
            f"Expected a PyTorch state_dict file (torch.save). Received: {path!r}, which "
            f"could not be read: {e}"
        ) from e
    if not isinstance(result, dict):
        raise ValueError(
            f"Expected a PyTorch state_dict (a dict of tensors). Received: {path!r}, "
            f"holding a {type(result).__name__}"
        )
    return _tensors_to_numpy(result)
