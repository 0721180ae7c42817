"""Gradient plumbing for the TensorFlow backend."""

import contextlib

import numpy as np
import tensorflow as tf

from keras_gan import _keras_internals
from keras_gan import checks
from keras_gan.backend._scaling import scaled_loss
from keras_gan.backend._stateful import run_eagerly  # noqa: F401
from keras_gan.backend._stateful import run_step  # noqa: F401

# How `GroupedConv2D` runs on a CPU: one ordinary convolution per group, the fastest
# formulation benchmarks/grouped_conv.py measured; XLA's grouped convolution (TensorFlow
# runs one only under XLA on a CPU) and its derivatives are far slower (timings in
# docs/recipes.md, "Step cost").
GROUPED_CONV_ON_CPU = "by_groups"


def replica_context():
    context = tf.distribute.get_replica_context()
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if context is None or replicas == 1:
        return 1, 0
    return replicas, context.replica_id_in_sync_group


def replica_sum(x):
    replicas, _ = replica_context()
    if replicas == 1:
        return x
    return tf.distribute.get_replica_context().all_reduce("sum", x)


def step_logs(logs):
    # Keras 3.15 reduces a multi-worker step's outputs with
    # `strategy.reduce("MEAN", value, axis=0)`, which fails on scalars: give them a
    # length-1 axis there; the reduction returns scalars again.
    if _keras_internals.in_multi_worker_mode(tf.distribute.get_strategy()):
        return {name: tf.reshape(value, (1,)) for name, value in logs.items()}
    return logs


def minimize(loss_fn, targets):
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    # One tape per loss, as in the TensorFlow DCGAN tutorial: each records the one
    # forward pass, so several losses share it.
    with contextlib.ExitStack() as stack:
        tapes = [stack.enter_context(tf.GradientTape()) for _ in targets]
        losses, aux = loss_fn()
        scaled = [
            scaled_loss(optimizer, loss, replicas) for loss, (_, optimizer) in zip(losses, targets)
        ]
    gradients = [
        tape.gradient(loss, variables) for tape, loss, (variables, _) in zip(tapes, scaled, targets)
    ]
    for grads, (variables, optimizer) in zip(gradients, targets):
        if variables:  # none: a frozen network
            optimizer.apply(grads, variables)
    return losses, aux


def forward_with_pullback(fn, variables):
    # The tape records `fn`'s pass; `gradient(..., output_gradients=...)` pulls a
    # cotangent back through it later in the step, after other variables changed.
    with tf.GradientTape() as tape:
        outputs = fn()

    def pullback(cotangent):
        return tape.gradient(outputs, variables, output_gradients=cotangent)

    return outputs, pullback


def apply_gradients(optimizer, gradients, variables):
    optimizer.apply(gradients, variables)


def input_gradients(fn, x, has_aux=False):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y, aux = fn(x) if has_aux else (fn(x), None)
    gradients = tape.gradient(y, x)
    return (gradients, aux) if has_aux else gradients


def concrete(x):
    if tf.is_symbolic_tensor(x):
        return None
    return x.numpy() if isinstance(x, tf.Tensor) else np.asarray(x)


def check_labels(labels, num_classes, seen):
    del seen  # checked here, in the step
    low, high = tf.reduce_min(labels), tf.reduce_max(labels)
    check = tf.debugging.Assert(
        tf.logical_and(low >= 0, high < tf.cast(num_classes, labels.dtype)),
        [
            checks.label_range_expected(num_classes, every_batch=True) + ". Received: labels from",
            low,
            "to",
            high,
        ],
    )
    with tf.control_dependencies([check]):  # before any use of the labels
        return tf.identity(labels)
