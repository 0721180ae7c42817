"""Which process of a multi-process run this is, what only one process should do, and
whether there is a GPU.

Several processes train one GAN under JAX's `keras.distribution` (after
`keras.distribution.initialize`) or TensorFlow's `MultiWorkerMirroredStrategy`.
Process 0 (TensorFlow's chief: the `"chief"` task, else worker 0) writes the files;
every process holds the same weights, so every process can compute what is logged.
On PyTorch, and in a single process, this is process 0 of 1.
"""

import os
import shutil
import tempfile

import keras
import numpy as np

from keras_gan import _keras_internals


def gpu_visible():
    """Whether the backend sees a GPU."""
    if keras.config.backend() == "torch":  # Keras has no device listing for PyTorch
        import torch

        return torch.cuda.is_available()
    try:
        return bool(keras.distribution.list_devices("gpu"))
    except RuntimeError:  # JAX without a GPU platform
        return False


def _tf_strategy(model):
    import tensorflow as tf

    strategy = getattr(model, "distribute_strategy", None)
    return strategy if strategy is not None else tf.distribute.get_strategy()


def _tf_workers(strategy):
    """`(index, count)` of this worker among a multi-worker strategy's, chief first."""
    resolver = strategy.cluster_resolver
    cluster = resolver.cluster_spec().as_dict()
    tasks = [("chief", i) for i in range(len(cluster.get("chief", [])))]
    tasks += [("worker", i) for i in range(len(cluster.get("worker", [])))]
    me = (resolver.task_type, resolver.task_id)
    # An evaluator or parameter server is no training process: never the writer.
    return (tasks.index(me) if me in tasks else len(tasks)), len(tasks)


def process_info(model=None) -> tuple:
    """Returns `(index, count)`: this process's index and the number of processes.

    Args:
        model: the model being trained, whose TensorFlow strategy is read; `None`
            reads the current strategy. Ignored on JAX and PyTorch.
    """
    backend = keras.config.backend()
    if backend == "jax":
        import jax

        return jax.process_index(), jax.process_count()
    if backend == "tensorflow":
        strategy = _tf_strategy(model)
        if _keras_internals.in_multi_worker_mode(strategy):
            return _tf_workers(strategy)
    return 0, 1


def is_chief(model=None) -> bool:
    """Whether this process writes the files of a run (process 0)."""
    return process_info(model)[0] == 0


def broadcast_from_chief(values: dict, model=None) -> dict:
    """Returns process 0's `{name: float}` on every process (`values` in one process).

    Every process must call it at the same point with the same names: it is a
    collective operation across the processes.
    """
    index, count = process_info(model)
    if count == 1:
        return values
    names = sorted(values)
    array = np.array([float(values[name]) for name in names], dtype="float64")
    if keras.config.backend() == "jax":
        from jax.experimental import multihost_utils

        array = np.asarray(multihost_utils.broadcast_one_to_all(array))
    else:
        array = _tf_broadcast(_tf_strategy(model), array)
    return {name: float(value) for name, value in zip(names, array)}


def _tf_broadcast(strategy, array):
    import tensorflow as tf

    def chief_only():
        first = tf.equal(tf.distribute.get_replica_context().replica_id_in_sync_group, 0)
        # `where`, not a product: a NaN or infinite figure of process 0 arrives as it is.
        return tf.where(first, tf.constant(array), tf.zeros_like(array))

    summed = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(chief_only), axis=None)
    return summed.numpy()


def predict(model, inputs, batch_size: int) -> np.ndarray:
    """`model.predict(inputs, batch_size=batch_size, verbose=0)`, on every process.

    Under a multi-process JAX distribution `predict` takes `inputs` as this
    process's share of a global batch and returns an array spread over processes,
    which no process can read; the weights are replicated, so each process calls
    `model` on all of `inputs` instead, batch by batch, and gets all the outputs.
    """
    if keras.config.backend() != "jax" or process_info(model)[1] == 1:
        return model.predict(inputs, batch_size=batch_size, verbose=0)
    flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    chunks = []
    for start in range(0, len(flat[0]), batch_size):
        chunk = [np.asarray(x[start : start + batch_size]) for x in flat]
        out = model(chunk if isinstance(inputs, (list, tuple)) else chunk[0], training=False)
        chunks.append(keras.ops.convert_to_numpy(out))
    return np.concatenate(chunks)


def save(model, path):
    """`model.save(path)` on process 0; on the others, a save into a temporary
    directory deleted at once: saving runs collective operations every process joins
    (reading synchronized variables on TensorFlow, creating variables on JAX)."""
    if is_chief(model):
        model.save(path)
        return
    scratch = tempfile.mkdtemp(prefix="keras_gan_")
    try:
        model.save(os.path.join(scratch, os.path.basename(path)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
