"""Gradient plumbing for the PyTorch backend."""

import numpy as np
import torch

from keras_gan import checks
from keras_gan.backend._scaling import scaled_loss
from keras_gan.backend._stateful import replica_context  # noqa: F401
from keras_gan.backend._stateful import replica_sum  # noqa: F401
from keras_gan.backend._stateful import run_eagerly  # noqa: F401
from keras_gan.backend._stateful import run_step  # noqa: F401
from keras_gan.backend._stateful import step_logs  # noqa: F401

# How `GroupedConv2D` runs on a CPU: PyTorch's own grouped convolution (`groups=`), the
# fastest formulation benchmarks/grouped_conv.py measured (timings in docs/recipes.md,
# "Step cost").
GROUPED_CONV_ON_CPU = "native"


def minimize(loss_fn, targets):
    losses, aux = loss_fn()
    gradients = []
    last = max((i for i, (variables, _) in enumerate(targets) if variables), default=-1)
    for i, (loss, (variables, optimizer)) in enumerate(zip(losses, targets)):
        if not variables:  # a frozen network
            gradients.append([])
            continue
        grads = torch.autograd.grad(
            scaled_loss(optimizer, loss, replica_context()[0]),
            [v.value for v in variables],
            retain_graph=i < last,
            allow_unused=True,
        )
        gradients.append(list(grads))
    # Applied only once every gradient is taken: an in-place update would invalidate
    # the graph the next loss differentiates through.
    with torch.no_grad():
        for grads, (variables, optimizer) in zip(gradients, targets):
            if variables:
                optimizer.apply(grads, variables)
    return [loss.detach() for loss in losses], aux


def forward_with_pullback(fn, variables):
    outputs = fn()

    def pullback(cotangent):
        # Valid while nothing the pass read was changed in place since: the
        # discriminator's update in between changes only the discriminator.
        grads = torch.autograd.grad(
            outputs, [v.value for v in variables], grad_outputs=cotangent, allow_unused=True
        )
        return list(grads)

    return outputs, pullback


def apply_gradients(optimizer, gradients, variables):
    with torch.no_grad():
        optimizer.apply(gradients, variables)


def input_gradients(fn, x, has_aux=False):
    # Keras runs test steps under `torch.no_grad()`; the penalty needs a gradient there too.
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        y, aux = fn(x) if has_aux else (fn(x), None)
        (gradients,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    return (gradients, aux) if has_aux else gradients


def concrete(x):
    if not isinstance(x, torch.Tensor):
        return np.asarray(x)
    if x.device.type == "meta":  # a symbolic call: shapes only
        return None
    return x.detach().cpu().numpy()


def check_labels(labels, num_classes, seen):
    del seen  # checked here, in the step
    if labels.numel() == 0:
        return labels
    low, high = int(labels.min()), int(labels.max())
    checks.check_label_range(low, high, num_classes, every_batch=True)
    return labels
