import keras
import numpy as np
import pytest

import keras_gan
import keras_gan.callbacks


def test_public_names():
    assert keras_gan.callbacks.__all__ == [
        "GANCheckpoint",
        "HyperparameterScheduler",
        "ImageGrid",
        "LabelSmoothingScheduler",
        "TerminateOnNaN",
        "cosine_ramp",
    ]
    for name in keras_gan.callbacks.__all__[:-1]:
        assert issubclass(getattr(keras_gan.callbacks, name), keras.callbacks.Callback)
    assert callable(keras_gan.callbacks.cosine_ramp(0.0, 1.0, 10))


@pytest.mark.parametrize(
    "callback",
    ["GANCheckpoint", "ImageGrid", "LabelSmoothingScheduler", "HyperparameterScheduler"],
)
def test_needs_a_gan(tmp_path, callback):
    args = {
        "LabelSmoothingScheduler": (lambda epoch: 0.0,),
        "HyperparameterScheduler": ({"label_smoothing": lambda epoch: 0.0},),
    }.get(callback, (tmp_path,))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=rf"Expected `{callback}` to be used in the `fit` of a"):
        model.fit(
            np.zeros((4, 2)),
            np.zeros((4, 1)),
            verbose=0,
            callbacks=[getattr(keras_gan.callbacks, callback)(*args)],
        )
