"""GANQuality through a real fit: its logs read by ModelCheckpoint and EarlyStopping."""

import os

import direct_scores
import keras
import model_zoo
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_gan
from keras_gan.metrics import GANQuality
from keras_gan.metrics import _features
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


def direct_scores_of(real, fake, clf=None):
    """Every score of `quality_scores` from its definition (`direct_scores`), on
    flattened samples; KID on the whole sets (a subset size of at least both counts)."""
    x, y = real.reshape(len(real), -1).astype("float64"), fake.reshape(len(fake), -1)
    y = y.astype("float64")
    scores = {
        "fd": direct_scores.frechet_distance(x, y),
        "kid": direct_scores.unbiased_mmd2(x, y),
        **direct_scores.brute_force_manifold(x, y),
    }
    if clf is not None:
        probabilities = np.asarray(clf.predict(fake, verbose=0), "float64")
        scores["classifier_score"] = direct_scores.classifier_score(probabilities)
    return scores


def test_logs_feed_model_checkpoint_and_match_a_direct_evaluation(tmp_path):
    real = data(32)
    clf = classifier()
    extractor = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
    # 32 real and 32 generated samples: every KID subset holds them all, whatever the seed.
    quality = GANQuality(real, extractor, clf, num_samples=32, seed=5, kid_subsets=10)
    best = str(tmp_path / "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(
        best, monitor="fd", mode="min", save_best_only=True
    )
    gan = small_gan()
    history = gan.fit(real, batch_size=16, epochs=3, verbose=0, callbacks=[quality, checkpoint])
    for key in ("fd", "kid", "precision", "recall", "density", "coverage", "classifier_score"):
        assert len(history.history[key]) == 3
        assert all(np.isfinite(history.history[key]))
    assert os.path.exists(best)
    assert checkpoint.best == min(history.history["fd"])
    # The last logged values are those of the final model on the same fixed samples.
    expected = direct_scores_of(real, keras.ops.convert_to_numpy(gan.generate(32, seed=5)), clf)
    assert set(history.history) >= set(expected)
    for key, value in expected.items():
        assert history.history[key][-1] == pytest.approx(value, rel=1e-4, abs=1e-9), key
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


def test_too_few_samples_raise():
    with pytest.raises(ValueError, match=r"hold more than density_k=5 samples. Received: 5$"):
        GANQuality(data(5))
    with pytest.raises(ValueError, match=r"Expected `num_samples` > k=3. Received: num_samples=3"):
        GANQuality(data(), num_samples=3)


@given(st.integers(6, 40), st.integers(1, 6), st.floats(0.0, 2.0), st.integers(0, 2**31 - 1))
def test_scores_match_a_direct_computation(n, d, shift, seed):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((n, d))
    fake = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0) + shift
    scores = quality_scores(real, fake, kid_subsets=3, kid_subset_size=n)
    expected = direct_scores_of(real, fake)
    assert scores.keys() == expected.keys()
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value, rel=1e-7, abs=1e-9), key


def counting_outputs(monkeypatch):
    """Counts the samples each `_features.outputs` call extracts."""
    counts = []
    original = _features.outputs

    def spy(model, samples, **kwargs):
        counts.append(len(samples))
        return original(model, samples, **kwargs)

    monkeypatch.setattr(_features, "outputs", spy)
    return counts


def flatten_dense():
    return keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])


def test_cached_reference_is_read_back_and_invalidated_by_a_change(tmp_path, monkeypatch):
    real, fake = data(40), data(20) * 0.5
    extractor = flatten_dense()
    counts = counting_outputs(monkeypatch)
    first = GANQuality(real, extractor, num_samples=20, kid_subsets=5, cache_dir=tmp_path)
    expected = first.scores(fake)
    assert counts == [40, 20] and first.reference_from_cache is False
    assert len(list(tmp_path.glob("reference-*.npz"))) == 1

    counts.clear()
    rebuilt = flatten_dense()  # auto-numbered layer names differ, weights are copied
    assert [layer.name for layer in rebuilt.layers] != [layer.name for layer in extractor.layers]
    rebuilt.set_weights(extractor.get_weights())
    second = GANQuality(real, rebuilt, num_samples=20, kid_subsets=5, cache_dir=tmp_path)
    assert second.scores(fake) == expected  # bit for bit: the same statistics
    assert counts == [20] and second.reference_from_cache is True

    changed_data = real.copy()
    changed_data[0, 0, 0, 0] += 0.5
    extractor_weights = [w + 0.1 for w in extractor.get_weights()]
    other_extractor = keras.models.clone_model(extractor)
    other_extractor.set_weights(extractor_weights)
    for real_data, model in ((changed_data, extractor), (real, other_extractor)):
        counts.clear()
        quality = GANQuality(real_data, model, num_samples=20, kid_subsets=5, cache_dir=tmp_path)
        assert quality.scores(fake) != expected
        assert counts == [40, 20] and quality.reference_from_cache is False
    assert len(list(tmp_path.glob("reference-*.npz"))) == 3


def test_cache_needs_a_keras_extractor(tmp_path):
    with pytest.raises(ValueError, match="Expected a Keras model .* Received: function"):
        GANQuality(data(), lambda x: x.reshape(len(x), -1), cache_dir=tmp_path)


def test_bad_every_n_epochs_raises():
    with pytest.raises(ValueError, match="Expected `every_n_epochs` to be a positive integer"):
        GANQuality(data(), every_n_epochs=0)


@pytest.mark.parametrize("size", [0, 1])
def test_kid_subset_sizes_below_two_are_refused(size):
    # One sample a subset leaves no pair of distinct samples: the unbiased MMD^2 is 0 / 0.
    x = data(10)
    match = rf"Expected `kid_subset_size` to be an integer >= 2 .*Received: kid_subset_size={size}$"
    with pytest.raises(ValueError, match=match):
        quality_scores(x, x * 0.5, kid_subset_size=size)
    with pytest.raises(ValueError, match=match):
        GANQuality(x, kid_subset_size=size)


@pytest.mark.parametrize("value, counts", [(np.nan, "3 NaN and 0"), (np.inf, "0 NaN and 3")])
@pytest.mark.parametrize("side", ["real", "generated"])
def test_non_finite_samples_raise_with_or_without_a_feature_extractor(value, counts, side):
    real, fake = data(20), data(12) * 0.5
    bad = real if side == "real" else fake
    bad[3, 1, 2, 0] = bad[3, 0, 0, 0] = value
    bad[5, 1, 1, 0] = -value
    received = rf"Received: {counts} infinite values in 2 of {len(bad)} samples$"
    with pytest.raises(
        ValueError,
        match=r"Expected finite samples: without a feature extractor they are the features\. "
        + received,
    ):
        quality_scores(real, fake, kid_subsets=2)
    extractor = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
    with pytest.raises(
        ValueError, match=r"Expected finite outputs from the feature extractor\. " + received
    ):
        quality_scores(real, fake, feature_extractor=extractor, kid_subsets=2)
