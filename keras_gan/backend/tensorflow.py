"""Gradient plumbing for the TensorFlow backend."""

import tensorflow as tf

from keras_gan.backend._stateful import run_eagerly  # noqa: F401
from keras_gan.backend._stateful import run_step  # noqa: F401
from keras_gan.backend._stateful import trainer_optimizer  # noqa: F401


def minimize(loss_fn, variables, optimizer):
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        scaled_loss = optimizer.scale_loss(loss)
    gradients = tape.gradient(scaled_loss, variables)
    optimizer.apply(gradients, variables)
    return loss, aux


def input_gradients(fn, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)
