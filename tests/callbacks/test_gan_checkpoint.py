import os

import keras
import numpy as np
import pytest
from callback_testing import assert_weights_equal

import keras_gan
from keras_gan.callbacks import GANCheckpoint


def test_writes_pairs_and_keeps_the_newest(tmp_path, make_gan, images):
    gan = make_gan(ema_decay=0.5)
    gan.fit(images, batch_size=8, epochs=4, verbose=0, callbacks=[GANCheckpoint(tmp_path, keep=2)])

    assert sorted(os.listdir(tmp_path)) == [
        "gan_epoch_0003.keras",
        "gan_epoch_0004.keras",
        "generator_epoch_0003.keras",
        "generator_epoch_0004.keras",
    ]
    assert GANCheckpoint.latest(tmp_path) == os.path.join(tmp_path, "gan_epoch_0004.keras")
    assert GANCheckpoint.latest_epoch(tmp_path) == 4

    restored = keras.models.load_model(GANCheckpoint.latest(tmp_path))
    assert isinstance(restored, keras_gan.GAN)
    assert_weights_equal(restored.get_weights(), gan.get_weights())
    assert int(restored.g_optimizer.iterations) == int(gan.g_optimizer.iterations) == 8

    generator = keras.models.load_model(tmp_path / "generator_epoch_0004.keras")
    assert_weights_equal(generator.get_weights(), gan.ema_generator.get_weights())
    assert not all(
        np.array_equal(a, b) for a, b in zip(generator.get_weights(), gan.generator.get_weights())
    )


def test_every_n_epochs_and_keep_all(tmp_path, make_gan, images):
    gan = make_gan()
    callback = GANCheckpoint(tmp_path, every_n_epochs=2, keep=None)
    gan.fit(images, batch_size=8, epochs=5, verbose=0, callbacks=[callback])
    names = sorted(os.listdir(tmp_path))
    assert names == [f"{k}_epoch_{e:04d}.keras" for k in ("gan", "generator") for e in (2, 4)]


def test_latest_ignores_other_files(tmp_path):
    assert GANCheckpoint.latest(tmp_path / "missing") is None
    assert GANCheckpoint.latest_epoch(tmp_path / "missing") == 0
    for name in (
        ".tmp-1a2b3c4d-gan_epoch_0009.keras",  # left by a killed process
        "gan_epoch_0010.keras.bak",
        "generator_epoch_0011.keras",
        "notes.txt",
        "gan_epoch_0002.keras",
        "gan_epoch_0010.keras",
        "gan_epoch_0003.keras",
    ):
        (tmp_path / name).write_bytes(b"")
    assert GANCheckpoint.latest(tmp_path) == os.path.join(tmp_path, "gan_epoch_0010.keras")
    assert GANCheckpoint.latest_epoch(tmp_path) == 10


def test_crash_while_saving_keeps_the_previous_checkpoint(tmp_path, make_gan, images, monkeypatch):
    gan = make_gan()
    gan.fit(images, batch_size=8, epochs=1, verbose=0, callbacks=[GANCheckpoint(tmp_path)])
    after_first_epoch = gan.get_weights()

    def crash_mid_write(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"PK\x03\x04 half a zip file")
        raise OSError("No space left on device")

    monkeypatch.setattr(keras_gan.GAN, "save", crash_mid_write)
    with pytest.raises(OSError, match="No space left"):
        gan.fit(
            images,
            batch_size=8,
            initial_epoch=1,
            epochs=2,
            verbose=0,
            callbacks=[GANCheckpoint(tmp_path)],
        )
    monkeypatch.undo()

    # The generator of epoch 2 was complete; its GAN file never got its name.
    assert sorted(os.listdir(tmp_path)) == [
        "gan_epoch_0001.keras",
        "generator_epoch_0001.keras",
        "generator_epoch_0002.keras",
    ]
    assert GANCheckpoint.latest_epoch(tmp_path) == 1
    restored = keras.models.load_model(GANCheckpoint.latest(tmp_path))
    assert_weights_equal(restored.get_weights(), after_first_epoch)


def test_resume_from_latest_equals_an_uninterrupted_run(tmp_path, make_gan, images):
    fit_kwargs = dict(batch_size=4, shuffle=False, verbose=0)

    keras.utils.set_random_seed(7)
    make_gan().fit(images, epochs=2, callbacks=[GANCheckpoint(tmp_path)], **fit_kwargs)
    keras.backend.clear_session()  # as in a new process

    # The resume recipe of the README.
    path = GANCheckpoint.latest(tmp_path)
    gan = keras.models.load_model(path) if path else make_gan()
    initial_epoch = GANCheckpoint.latest_epoch(tmp_path)
    history = gan.fit(
        images,
        epochs=3,
        initial_epoch=initial_epoch,
        callbacks=[GANCheckpoint(tmp_path)],
        **fit_kwargs,
    )
    assert initial_epoch == 2 and len(history.history["g_loss"]) == 1

    keras.utils.set_random_seed(7)
    straight = make_gan()
    straight.fit(images, epochs=3, **fit_kwargs)
    assert_weights_equal(gan.get_weights(), straight.get_weights(), atol=1e-6)
    for resumed_opt, straight_opt in [
        (gan.d_optimizer, straight.d_optimizer),
        (gan.g_optimizer, straight.g_optimizer),
    ]:
        assert_weights_equal(
            [keras.ops.convert_to_numpy(v) for v in resumed_opt.variables],
            [keras.ops.convert_to_numpy(v) for v in straight_opt.variables],
            atol=1e-6,
        )
    assert GANCheckpoint.latest_epoch(tmp_path) == 3


def test_warns_about_newer_checkpoints_of_an_earlier_run(tmp_path, make_gan, images):
    for name in ("gan_epoch_0005.keras", "generator_epoch_0005.keras"):
        (tmp_path / name).write_bytes(b"")
    gan = make_gan()
    with pytest.warns(UserWarning, match=r"newer than the starting epoch \(0\)"):
        gan.fit(
            images, batch_size=8, epochs=1, verbose=0, callbacks=[GANCheckpoint(tmp_path, keep=1)]
        )
    # keep=1 counts epochs up to the one just written: the earlier run's files stay.
    assert sorted(os.listdir(tmp_path)) == [
        "gan_epoch_0001.keras",
        "gan_epoch_0005.keras",
        "generator_epoch_0001.keras",
        "generator_epoch_0005.keras",
    ]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(directory=3), r"Expected `directory` to be a directory path .*directory=3"),
        (dict(directory=""), r"Expected `directory` .*Received: directory=''"),
        (dict(every_n_epochs=0), r"`every_n_epochs` to be a positive integer.*every_n_epochs=0"),
        (dict(keep=0), r"Expected `keep` to be a positive integer. Received: keep=0"),
        (dict(keep=True), r"Received: keep=True"),
    ],
)
def test_constructor_errors(tmp_path, kwargs, match):
    kwargs = {"directory": tmp_path, **kwargs}
    with pytest.raises(ValueError, match=match):
        GANCheckpoint(**kwargs)
