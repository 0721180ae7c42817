import keras
import numpy as np
import pytest

import keras_gan
import keras_gan.callbacks


def test_public_names():
    assert keras_gan.callbacks.__all__ == [
        "GANCheckpoint",
        "ImageGrid",
        "LabelSmoothingScheduler",
        "TerminateOnNaN",
    ]
    for name in keras_gan.callbacks.__all__:
        assert issubclass(getattr(keras_gan.callbacks, name), keras.callbacks.Callback)


@pytest.mark.parametrize("callback", ["GANCheckpoint", "ImageGrid", "LabelSmoothingScheduler"])
def test_needs_a_gan(tmp_path, callback):
    args = (lambda epoch: 0.0,) if callback == "LabelSmoothingScheduler" else (tmp_path,)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=rf"Expected `{callback}` to be used in the `fit` of a"):
        model.fit(
            np.zeros((4, 2)),
            np.zeros((4, 1)),
            verbose=0,
            callbacks=[getattr(keras_gan.callbacks, callback)(*args)],
        )
