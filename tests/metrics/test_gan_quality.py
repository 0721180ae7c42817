"""GANQuality through a real fit: its logs read by ModelCheckpoint and EarlyStopping."""

import os

import keras
import model_zoo
import numpy as np
import pytest

import keras_gan
from keras_gan.metrics import GANQuality
from keras_gan.metrics import quality_scores


def small_gan():
    gan = keras_gan.GAN(
        model_zoo.dense_generator(latent_dim=4, sample_shape=(4, 4, 1)),
        model_zoo.dense_discriminator(sample_shape=(4, 4, 1)),
        seed=0,
    )
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return gan


def data(n=64):
    return np.random.default_rng(0).uniform(-1, 1, (n, 4, 4, 1)).astype("float32")


def classifier():
    return keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")]
    )


def test_logs_feed_model_checkpoint_and_match_a_direct_evaluation(tmp_path):
    real = data()
    clf = classifier()
    extractor = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
    quality = GANQuality(real, extractor, clf, num_samples=32, seed=5, kid_subsets=10)
    best = str(tmp_path / "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(
        best, monitor="fd", mode="min", save_best_only=True
    )
    gan = small_gan()
    history = gan.fit(real, batch_size=16, epochs=3, verbose=0, callbacks=[quality, checkpoint])
    for key in ("fd", "kid", "classifier_score"):
        assert len(history.history[key]) == 3
        assert all(np.isfinite(history.history[key]))
    assert os.path.exists(best)
    assert checkpoint.best == min(history.history["fd"])
    # The last logged values are those of the final model on the same fixed samples.
    expected = quality_scores(
        real, gan.generate(32, seed=5), classifier=clf, kid_subsets=10, seed=5
    )
    for key, value in expected.items():
        assert history.history[key][-1] == pytest.approx(value, rel=1e-4)
    assert isinstance(keras.models.load_model(best), keras_gan.GAN)


def test_early_stopping_reads_fd():
    # No change of FD is as large as min_delta: a run that reads FD stops after
    # patience + 1 epochs; without `fd` in the logs EarlyStopping never stops.
    stopper = keras.callbacks.EarlyStopping(monitor="fd", mode="min", min_delta=1e6, patience=1)
    quality = GANQuality(data(), num_samples=16, kid_subsets=2)
    history = small_gan().fit(
        data(), batch_size=32, epochs=6, verbose=0, callbacks=[quality, stopper]
    )
    assert len(history.history["fd"]) == 2
    assert "classifier_score" not in history.history


def test_every_n_epochs_evaluates_only_those_epochs():
    calls = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            calls.append((epoch, "fd" in logs))

    quality = GANQuality(data(), num_samples=16, every_n_epochs=2, kid_subsets=2)
    small_gan().fit(data(32), batch_size=32, epochs=4, verbose=0, callbacks=[quality, Recorder()])
    assert calls == [(0, False), (1, True), (2, False), (3, True)]


def test_conditional_gan_is_generated_with_the_real_labels():
    generator, discriminator = model_zoo.conditional_pair(num_classes=3)
    cgan = keras_gan.ConditionalGAN(generator, discriminator, num_classes=3, seed=0)
    cgan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    labels = np.array([2, 2, 1, 0] * 4, dtype="int32")
    seen = []
    original = cgan.generate

    def spy(n, labels=None, seed=None, **kwargs):
        seen.append((n, None if labels is None else list(labels), seed))
        return original(n, labels=labels, seed=seed, **kwargs)

    cgan.generate = spy
    quality = GANQuality((data(16), labels), num_samples=6, seed=3, kid_subsets=2)
    history = cgan.fit(data(16), labels, batch_size=8, epochs=1, verbose=0, callbacks=[quality])
    assert seen == [(6, [2, 2, 1, 0, 2, 2], 3)]
    assert np.isfinite(history.history["fd"][0])


def test_too_few_real_samples_raise():
    with pytest.raises(ValueError, match="Expected `real_data` to hold at least 2 samples"):
        GANQuality(data(1))


def test_bad_every_n_epochs_raises():
    with pytest.raises(ValueError, match="Expected `every_n_epochs` to be a positive integer"):
        GANQuality(data(), every_n_epochs=0)
