"""Gradient plumbing for the PyTorch backend."""

import torch

from keras_gan.backend._stateful import run_eagerly  # noqa: F401
from keras_gan.backend._stateful import run_step  # noqa: F401
from keras_gan.backend._stateful import trainer_optimizer  # noqa: F401


def minimize(loss_fn, variables, optimizer):
    for v in variables:
        v.value.grad = None
    loss, aux = loss_fn()
    optimizer.scale_loss(loss).backward()
    gradients = [v.value.grad for v in variables]
    with torch.no_grad():
        optimizer.apply(gradients, variables)
    return loss.detach(), aux


def input_gradients(fn, x):
    x = x.detach().requires_grad_(True)
    y = fn(x)
    (gradients,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    return gradients
