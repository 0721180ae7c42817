"""`OptimizerPair`: the discriminator's and generator's optimizers as Keras' `model.optimizer`."""

import keras

_ONE_LEARNING_RATE = (
    "Expected the learning rate of one network's optimizer: `gan.d_optimizer.learning_rate` "
    "or `gan.g_optimizer.learning_rate` (a learning-rate callback must set those). "
    "Received: a read or write of `gan.optimizer.learning_rate`, which stands for both "
    "networks' optimizers"
)


class OptimizerPair(keras.optimizers.Optimizer):
    """Presents the discriminator's and generator's optimizers as one to Keras.

    `GAN.compile` gives it to `keras.Model.compile` on every backend, so that what
    Keras reads from `model.optimizer` is right: `variables` (both optimizers'; the
    JAX trainer threads them through the jitted step), `iterations` (the generator's:
    one per training step, for `TensorBoard(write_steps_per_second=True)` and its
    `*_vs_iterations` scalars) and `optimizers` (`[d_optimizer, g_optimizer]`: the
    `TensorBoard` callback logs each one's learning rate as
    `learning_rate_<optimizer name>`). It applies nothing itself and saves nothing (the
    GAN saves both optimizers under their own names). Keras' `LearningRateScheduler`
    and `ReduceLROnPlateau` act on each of `optimizers`. The pair's own `learning_rate`
    raises: code that reads or sets one learning rate would otherwise act on a
    placeholder and change nothing.
    """

    def __init__(self, d_optimizer, g_optimizer, name="gan_optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self._pair = (d_optimizer, g_optimizer)
        self.built = True

    @property
    def learning_rate(self):
        raise ValueError(_ONE_LEARNING_RATE)

    @learning_rate.setter
    def learning_rate(self, value):
        raise ValueError(_ONE_LEARNING_RATE)

    @property
    def optimizers(self):
        return list(self._pair)

    @property
    def iterations(self):
        return self._pair[1].iterations

    @property
    def variables(self):
        return list(self._pair[0].variables) + list(self._pair[1].variables)

    def build(self, var_list):
        self.built = True

    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        pass
