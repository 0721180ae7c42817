"""The report of `keras-gan train/score` (`keras_gan._cli_scores`): trivial baselines, the
scores they make meaningless, and the choice of `--features auto`."""

import numpy as np
import pytest

from keras_gan import _cli_scores


def _scores(**values):
    """A row of scores; by default those of a set that is nothing like the real one."""
    row = {"fd": 100.0, "kid": 1.0, "precision": 0.0, "recall": 0.0, "density": 0.0}
    row.update({"coverage": 0.0, "memorization": 0.0, "classifier_score": 1.0})
    row.update(values)
    return row


def test_a_score_is_unsupported_where_a_trivial_set_does_as_well_as_held_out_real():
    held_out = _scores(fd=1.0, kid=0.01, precision=0.8, recall=0.7, density=1.0, coverage=0.6)
    held_out.update(memorization=0.4, classifier_score=5.0)
    # n = 100: one standard error of a share is at most 0.05.
    baselines = {
        "uniform_noise": _scores(fd=0.9, precision=0.76, recall=0.1, classifier_score=5.0),
        "mean_image": _scores(kid=0.02, precision=1.0, memorization=1.0, density=9.0),
    }
    unsupported = _cli_scores.unsupported_scores(held_out, baselines, 100)
    assert list(unsupported) == ["fd", "precision", "density", "memorization", "classifier_score"]
    assert unsupported["precision"] == "uniform noise 0.76 vs held-out real 0.8"
    assert unsupported["memorization"] == "mean image 1 vs held-out real 0.4"
    # Beyond the standard error, or worse than held-out real: the scores tell.
    baselines["uniform_noise"].update(fd=1.1, precision=0.74, classifier_score=4.9)
    baselines["mean_image"].update(precision=0.7, density=0.3, memorization=0.3)
    assert _cli_scores.unsupported_scores(held_out, baselines, 100) == {}


def test_baselines_are_noise_grey_and_the_training_mean():
    train = np.random.default_rng(0).uniform(-1, 1, (30, 4, 5, 3)).astype("float32")
    baselines = _cli_scores.baseline_images(train, 7)
    assert list(baselines) == [key for key, _ in _cli_scores.BASELINES]
    for images in baselines.values():
        assert images.shape == (7, 4, 5, 3) and images.dtype == "float32"
    noise = baselines["uniform_noise"]
    assert noise.min() >= -1 and noise.max() <= 1 and noise.std() > 0.4
    assert not baselines["mid_grey"].any()
    np.testing.assert_allclose(
        baselines["mean_image"], np.repeat(train.mean(0)[None], 7, 0), atol=1e-6
    )


def test_the_report_does_not_present_what_a_flat_grey_image_scores_as_meaningful(capsys):
    # Near-constant images and a few outliers (emoji on a plain background, some
    # textured): the outliers' wide k-NN balls hold every flat image.
    rng = np.random.default_rng(0)
    images = rng.normal(0.0, 0.05, (60, 6, 6, 1))
    images[::10] = rng.uniform(-1, 1, (6, 6, 6, 1))
    images = images.astype("float32")
    train, test = (images[:40], np.zeros(40, "int32")), images[40:]
    judge = _cli_scores.Judge("folder", "pixels", train, test, quiet=True)
    results = judge.report(lambda n, seed: np.zeros((n, 6, 6, 1), "float32"))
    out = capsys.readouterr().out
    assert set(results["baselines"]) == {"uniform_noise", "mid_grey", "mean_image"}
    assert results["baselines"]["mid_grey"]["precision"] == 1.0
    assert "precision" in results["unsupported_scores"]
    generated = next(line for line in out.splitlines() if line.strip().startswith("generated"))
    assert generated.split()[3] == "n/s"  # the precision column
    assert "n/s: not supported by 36 pixel features: a trivial image set scores as well" in out
    assert "    precision: flat mid-grey 1 vs held-out real" in out
    rows = [line.split()[0] for line in out.splitlines()[3:8]]
    assert rows == ["generated", "held-out", "uniform", "flat", "mean"]


@pytest.fixture()
def cpu_with_cache(monkeypatch, tmp_path):
    """No GPU; Keras' cache in tmp_path; Inception's builder records its weights."""
    monkeypatch.setattr(_cli_scores, "gpu_visible", lambda: False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    built = []

    def inception(image_shape, weights="imagenet"):
        built.append(weights)
        return _cli_scores.metrics.pixel_feature_extractor(image_shape)  # a stand-in

    monkeypatch.setattr(_cli_scores.metrics, "inception_feature_extractor", inception)
    return tmp_path / "models" / _cli_scores.INCEPTION_WEIGHTS_FILE, built


def test_auto_features_take_inception_on_a_cpu_when_its_weights_are_cached(cpu_with_cache, capsys):
    weights, built = cpu_with_cache
    images, labels = np.zeros((4, 8, 8, 3), "float32"), np.zeros(4, "int32")
    few = 60 * _cli_scores.CPU_INCEPTION_IMAGES_PER_SECOND  # a minute of features
    _, _, description = _cli_scores.feature_models(
        "auto", images, labels, quiet=False, dataset="x", scored_images=int(few)
    )
    assert description == "192 pixel features"  # the weights are not cached yet
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"")
    _, _, description = _cli_scores.feature_models(
        "auto", images, labels, quiet=False, dataset="x", scored_images=int(few)
    )
    assert description == "Inception-v3 features" and built == [str(weights)]
    assert f"Inception-v3 weights found in {weights}: scoring on its features (348 images, " in (
        capsys.readouterr().out
    )
    many = 2 * _cli_scores.AUTO_INCEPTION_SECONDS * _cli_scores.CPU_INCEPTION_IMAGES_PER_SECOND
    for scored_images in (int(many), None):
        _, _, description = _cli_scores.feature_models(
            "auto", images, labels, quiet=True, dataset="x", scored_images=scored_images
        )
        assert description == "192 pixel features"
    assert built == [str(weights)]
