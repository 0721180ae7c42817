"""Gradient plumbing for the PyTorch backend."""

import torch

from keras_gan.backend._stateful import replica_context  # noqa: F401
from keras_gan.backend._stateful import replica_sum  # noqa: F401
from keras_gan.backend._stateful import run_eagerly  # noqa: F401
from keras_gan.backend._stateful import run_step  # noqa: F401
from keras_gan.backend._stateful import step_logs  # noqa: F401
from keras_gan.backend._stateful import trainer_optimizer  # noqa: F401


def minimize(loss_fn, targets):
    losses, aux = loss_fn()
    gradients = []
    for i, (loss, (variables, optimizer)) in enumerate(zip(losses, targets)):
        grads = torch.autograd.grad(
            optimizer.scale_loss(loss),
            [v.value for v in variables],
            retain_graph=i < len(targets) - 1,
            allow_unused=True,
        )
        gradients.append(list(grads))
    # Applied only once every gradient is taken: an in-place update would invalidate
    # the graph the next loss differentiates through.
    with torch.no_grad():
        for grads, (variables, optimizer) in zip(gradients, targets):
            optimizer.apply(grads, variables)
    return [loss.detach() for loss in losses], aux


def input_gradients(fn, x):
    # Keras runs test steps under `torch.no_grad()`; the penalty needs a gradient there too.
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        y = fn(x)
        (gradients,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    return gradients
