"""Atomic file writes: a crash mid-write never leaves a half-written file in place."""

import contextlib
import os
import uuid

TEMP_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; moves it onto `path` once written.

    The temporary file sits in the same directory (so `os.replace` is atomic), keeps
    `path`'s extension (Keras picks the format from it) and starts with
    `TEMP_PREFIX`, so nothing that looks for `path`'s name pattern matches it. When
    the body raises, the temporary file is removed and `path` is left as it was.

    Args:
        path: the file to write.
    """
    directory, name = os.path.split(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, f"{TEMP_PREFIX}{uuid.uuid4().hex[:8]}-{name}")
    try:
        yield temp
        with open(temp, "ab") as f:  # on disk before it gets the final name
            os.fsync(f.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
