"""The loss each backend differentiates for an optimizer."""


def scaled_loss(optimizer, loss, replicas):
    """`loss` divided by the number of replicas, then scaled for mixed precision.

    Under a distribution strategy each replica's gradients are summed: the loss of
    the replica's share of the batch is divided by the number of replicas, as Keras'
    own losses do, so the update equals a single device's on the whole batch. The
    optimizer's `scale_loss` scales it for a `LossScaleOptimizer` (its `apply`
    unscales the gradients) and returns it unchanged otherwise.
    """
    return optimizer.scale_loss(loss / replicas if replicas > 1 else loss)
