"""The step asks the augmenter to update itself and to say what to log."""

import keras
import numpy as np
from keras import ops
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images

import keras_gan


class CountingAugment(keras.layers.Layer):
    """The identity, counting the discriminator updates it is told about."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.updates = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="updates"
        )
        self.boundaries = []

    def call(self, images, training=True):
        return images

    def after_discriminator_update(self, real_scores, gan_loss):
        self.boundaries.append(gan_loss.decision_boundary)
        self.updates.assign(self.updates + 1.0)

    def step_logs(self):
        return {"augment_updates": ops.convert_to_tensor(self.updates)}


def test_the_step_updates_the_augmenter_after_each_discriminator_update_and_logs_it():
    gan = keras_gan.GAN(dense_generator(sample_shape=(4, 4, 1)), dense_discriminator(), seed=0)
    augment = CountingAugment()
    gan.compile("adam", "adam", d_steps=2, augment=augment)
    history = gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    # 2 steps of 2 discriminator updates each; logged as the epoch's last step saw it.
    assert float(ops.convert_to_numpy(augment.updates)) == 4.0
    np.testing.assert_array_equal(history.history["augment_updates"], [4.0])
    assert augment.boundaries and set(augment.boundaries) == {0.0}  # traced or eager
