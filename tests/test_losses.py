"""Losses: hand-computed values, gradient signs, minima and serialization."""

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_gan import losses


def softplus(x):
    return np.logaddexp(0.0, x)


def value(x):
    return float(keras.ops.convert_to_numpy(x))


REAL = np.array([0.5, -1.0, 2.0], dtype="float32")
FAKE = np.array([-0.5, 1.5, 0.0], dtype="float32")


def test_cross_entropy_at_zero_is_two_log_two():
    assert value(losses.minimax_discriminator_loss([0.0], [0.0])) == pytest.approx(
        2 * np.log(2), rel=1e-6
    )


def test_cross_entropy_discriminator_by_hand():
    expected = np.mean(softplus(-REAL)) + np.mean(softplus(FAKE))
    got = value(losses.non_saturating_discriminator_loss(REAL, FAKE))
    assert got == pytest.approx(expected, rel=1e-6)


def test_label_smoothing_moves_real_targets_only():
    ls = 0.2
    expected = np.mean((1 - ls) * softplus(-REAL) + ls * softplus(REAL)) + np.mean(softplus(FAKE))
    got = value(losses.minimax_discriminator_loss(REAL, FAKE, label_smoothing=ls))
    assert got == pytest.approx(expected, rel=1e-6)


def test_probabilities_give_the_same_loss_as_logits():
    p_real, p_fake = 1 / (1 + np.exp(-REAL)), 1 / (1 + np.exp(-FAKE))
    expected = -np.mean(np.log(p_real)) - np.mean(np.log(1 - p_fake))
    got = value(losses.minimax_discriminator_loss(p_real, p_fake, from_logits=False))
    assert got == pytest.approx(expected, rel=1e-4)
    g_expected = -np.mean(np.log(p_fake))
    got_g = value(losses.non_saturating_generator_loss(p_fake, from_logits=False))
    assert got_g == pytest.approx(g_expected, rel=1e-4)


def test_saturated_probabilities_stay_finite():
    got = value(losses.minimax_discriminator_loss([0.0, 1.0], [1.0, 0.0], from_logits=False))
    assert np.isfinite(got) and got > 10


def test_generator_losses_by_hand():
    assert value(losses.minimax_generator_loss(FAKE)) == pytest.approx(
        np.mean(np.log(1 - 1 / (1 + np.exp(-FAKE)))), rel=1e-5
    )
    assert value(losses.non_saturating_generator_loss(FAKE)) == pytest.approx(
        np.mean(softplus(-FAKE)), rel=1e-6
    )
    assert value(losses.wasserstein_generator_loss(FAKE)) == pytest.approx(-np.mean(FAKE))
    assert value(losses.least_squares_generator_loss(FAKE)) == pytest.approx(
        0.5 * np.mean((FAKE - 1) ** 2)
    )


def test_wasserstein_and_hinge_by_hand():
    assert value(losses.wasserstein_discriminator_loss(REAL, FAKE)) == pytest.approx(
        np.mean(FAKE) - np.mean(REAL)
    )
    # relu(1 - [0.5, -1, 2]) = [0.5, 2, 0]; relu(1 + [-0.5, 1.5, 0]) = [0.5, 2.5, 1]
    assert value(losses.hinge_discriminator_loss(REAL, FAKE)) == pytest.approx(2.5 / 3 + 4 / 3)


def test_least_squares_by_hand():
    assert value(losses.least_squares_discriminator_loss([1.0], [0.0])) == 0.0
    assert value(losses.least_squares_discriminator_loss([0.0], [1.0])) == pytest.approx(1.0)
    smoothed = losses.least_squares_discriminator_loss([0.9], [0.0], label_smoothing=0.1)
    assert value(smoothed) == pytest.approx(0.0, abs=1e-7)


def test_hinge_minimum_is_zero_beyond_the_margin():
    assert value(losses.hinge_discriminator_loss([1.0, 3.0], [-1.0, -4.0])) == 0.0
    assert value(losses.hinge_discriminator_loss([0.9], [-1.0])) > 0.0


def test_gradient_penalty_zero_for_unit_norm_and_finite_at_zero():
    unit = np.zeros((2, 3, 3, 1), dtype="float32")
    unit[0, 0, 0, 0] = 1.0
    unit[1] = 1.0 / 3.0  # 9 entries of 1/3: norm 1
    assert value(losses.gradient_norm_penalty(unit)) == pytest.approx(0.0, abs=1e-6)
    zero = np.zeros((2, 4), dtype="float32")
    assert value(losses.gradient_norm_penalty(zero)) == pytest.approx(1.0, abs=1e-5)
    doubled = 2 * unit
    assert value(losses.gradient_norm_penalty(doubled)) == pytest.approx(1.0, rel=1e-5)


D_LOSSES = {
    "minimax": losses.minimax_discriminator_loss,
    "non_saturating": losses.non_saturating_discriminator_loss,
    "wasserstein": losses.wasserstein_discriminator_loss,
    "hinge": losses.hinge_discriminator_loss,
    "least_squares": losses.least_squares_discriminator_loss,
}
G_LOSSES = {
    "minimax": losses.minimax_generator_loss,
    "non_saturating": losses.non_saturating_generator_loss,
    "wasserstein": losses.wasserstein_generator_loss,
    "hinge": losses.hinge_generator_loss,
    "least_squares": losses.least_squares_generator_loss,
}


def numeric_derivative(fn, x, i, h=1e-3):
    up, down = x.astype("float64").copy(), x.astype("float64").copy()
    up[i] += h
    down[i] -= h
    return (value(fn(up.astype("float32"))) - value(fn(down.astype("float32")))) / (2 * h)


real_scores = st.floats(-0.5, 0.5, allow_nan=False).map(np.float32)
# Least squares has its fake-side minimum at 0, so fake scores are kept above it.
fake_scores = st.floats(0.05, 0.5, allow_nan=False).map(np.float32)


@pytest.mark.parametrize("name", sorted(D_LOSSES))
@given(real=real_scores, fake=fake_scores)
def test_gradient_signs(name, real, fake):
    """Raising a real score never raises L_D; raising a fake score never lowers L_D
    and never raises L_G (strictly, inside the scores where each loss is active)."""
    real_arr, fake_arr = np.array([real]), np.array([fake])
    d_real = numeric_derivative(lambda r: D_LOSSES[name](r, fake_arr), real_arr, 0)
    d_fake = numeric_derivative(lambda f: D_LOSSES[name](real_arr, f), fake_arr, 0)
    g_fake = numeric_derivative(G_LOSSES[name], fake_arr, 0)
    assert d_real < 0
    assert d_fake > 0
    assert g_fake < 0


# The relativistic losses, whose generator part also reads real scores, are tested in
# test_relativistic.py.
@pytest.mark.parametrize("name", sorted(D_LOSSES))
def test_objects_match_functions_and_round_trip(name):
    loss = losses.get(name)
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(
        value(D_LOSSES[name](REAL, FAKE))
    )
    assert value(loss.generator_loss(FAKE)) == pytest.approx(value(G_LOSSES[name](FAKE)))
    config = keras.saving.serialize_keras_object(loss)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()


def test_from_logits_passes_to_cross_entropy_objects():
    loss = losses.get("non_saturating", from_logits=False)
    assert loss.from_logits is False
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert restored.from_logits is False


def test_unknown_loss_lists_valid_names():
    with pytest.raises(
        ValueError, match=r"one of \['minimax', 'non_saturating'.*Received: loss='bce'"
    ):
        losses.get("bce")


def test_loss_object_disagreeing_with_from_logits():
    with pytest.raises(ValueError, match="agree with `from_logits=False`"):
        losses.get(losses.Minimax(), from_logits=False)


def test_base_class_requires_both_parts():
    with pytest.raises(NotImplementedError, match="must implement `discriminator_loss`"):
        losses.GANLoss().discriminator_loss(REAL, FAKE)
