"""Under several processes only process 0 writes; the others still do the same work.

The multi-process runs themselves are in tests/scale (`test_jax_multiprocess.py`,
`test_multiworker.py`); here `_distribute.process_info` is made to say "process 1 of
2" in one process, on every backend.
"""

import os

import keras
import numpy as np
import pytest

from keras_gan import _distribute
from keras_gan.callbacks import GANCheckpoint
from keras_gan.callbacks import ImageGrid
from keras_gan.metrics import GANQuality


@pytest.fixture
def second_process(monkeypatch):
    """Makes this process process 1 of 2; records the folders its saves went to."""
    monkeypatch.setattr(_distribute, "process_info", lambda model=None: (1, 2))
    broadcasts = []

    def broadcast(values, model=None):  # process 0's figures: here, a marker value
        broadcasts.append(dict(values))
        return {name: -1.0 for name in values}

    monkeypatch.setattr(_distribute, "broadcast_from_chief", broadcast)
    saved_to = []
    original = keras.Model.save

    def save(self, filepath, *args, **kwargs):
        saved_to.append(os.path.dirname(os.fspath(filepath)))
        return original(self, filepath, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "save", save)
    return {"broadcasts": broadcasts, "saved_to": saved_to}


def test_single_process_is_process_0_of_1():
    assert _distribute.process_info() == (0, 1)
    assert _distribute.is_chief()
    values = {"fd": 1.5, "kid": float("nan")}
    assert _distribute.broadcast_from_chief(values) is values


def test_predict_equals_keras_predict_in_one_process(make_gan):
    gan = make_gan()
    noise = gan.sample_noise(5, seed=0)
    np.testing.assert_array_equal(
        _distribute.predict(gan, noise, 2), gan.predict(noise, batch_size=2, verbose=0)
    )


def test_other_processes_save_checkpoints_to_a_deleted_folder(make_gan, tmp_path, second_process):
    gan = make_gan()
    directory = tmp_path / "ckpt"
    gan.fit(np.zeros((8, 4, 4, 1), "float32"), batch_size=4, epochs=2, verbose=0,
            callbacks=[GANCheckpoint(directory)])  # fmt: skip
    assert not directory.exists()
    # It saved as process 0 does (the collectives run alike), elsewhere, then deleted it.
    folders = second_process["saved_to"]
    assert len(folders) == 4 and all(not os.path.exists(folder) for folder in folders)
    assert str(directory) not in folders


def test_other_processes_draw_the_grid_but_write_nothing(make_gan, tmp_path, second_process):
    gan = make_gan()
    grid = ImageGrid(tmp_path / "logs", num_images=2)
    drawn = []
    original = grid._grid
    grid._grid = lambda: drawn.append(1) or original()
    gan.fit(np.zeros((8, 4, 4, 1), "float32"), batch_size=4, epochs=2, verbose=0,
            callbacks=[grid])  # fmt: skip
    assert drawn == [1, 1]
    assert not (tmp_path / "logs").exists()


def test_gan_quality_logs_process_0_figures_and_writes_no_cache(make_gan, tmp_path, second_process):
    gan = make_gan()
    real = np.random.default_rng(0).uniform(-1, 1, (16, 4, 4, 1)).astype("float32")
    extractor = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
    quality = GANQuality(
        real, extractor, num_samples=8, kid_subsets=2, kid_subset_size=4, cache_dir=tmp_path / "c"
    )
    history = gan.fit(real, batch_size=8, epochs=1, verbose=0, callbacks=[quality])
    computed = second_process["broadcasts"]
    assert len(computed) == 1 and np.isfinite(computed[0]["fd"])  # it scored, as process 0
    assert history.history["fd"] == [-1.0] and quality.last_scores["kid"] == -1.0
    assert not (tmp_path / "c").exists()
