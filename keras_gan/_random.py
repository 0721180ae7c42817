"""Random draws per sample that agree with one device under a distribution strategy."""

from keras_gan import backend


def per_replica(draw, batch, shape, seed, **kwargs):
    """Draws `(batch,) + shape` random values; under a TF distribution strategy, this
    replica's slice of one draw for the global batch.

    Every replica reads the same seed state, so drawing per replica would give all
    replicas the same values; slicing one global draw gives each its own, and the
    same values a single device would draw for the whole batch.
    """
    replicas, index = backend.replica_context()
    if replicas == 1:
        return draw((batch,) + shape, seed=seed, **kwargs)
    values = draw((batch * replicas,) + shape, seed=seed, **kwargs)
    return values[index * batch : (index + 1) * batch]
