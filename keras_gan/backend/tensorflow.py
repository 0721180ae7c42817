"""Gradient plumbing for the TensorFlow backend."""

import contextlib

import tensorflow as tf

from keras_gan.backend._stateful import run_eagerly  # noqa: F401
from keras_gan.backend._stateful import run_step  # noqa: F401
from keras_gan.backend._stateful import trainer_optimizer  # noqa: F401


def minimize(loss_fn, targets):
    # One tape per loss, as in the TensorFlow DCGAN tutorial: each records the one
    # forward pass, so several losses share it.
    with contextlib.ExitStack() as stack:
        tapes = [stack.enter_context(tf.GradientTape()) for _ in targets]
        losses, aux = loss_fn()
        scaled = [optimizer.scale_loss(loss) for loss, (_, optimizer) in zip(losses, targets)]
    gradients = [
        tape.gradient(loss, variables) for tape, loss, (variables, _) in zip(tapes, scaled, targets)
    ]
    for grads, (variables, optimizer) in zip(gradients, targets):
        optimizer.apply(grads, variables)
    return losses, aux


def input_gradients(fn, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)
