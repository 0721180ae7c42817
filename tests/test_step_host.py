"""The training step reads from its model only what `StepHost` declares."""

import inspect
import re
import typing

from model_zoo import dense_discriminator
from model_zoo import dense_generator

import keras_gan
from keras_gan import step_host
from keras_gan import training_step


def _declared():
    host = step_host.StepHost
    hooks = {name for name, _ in inspect.getmembers(host, inspect.isfunction)}
    return set(typing.get_type_hints(host)) | hooks


def test_the_step_reads_only_its_own_methods_and_the_declared_names():
    source = inspect.getsource(training_step.StepMixin)
    read = set(re.findall(r"self\.([A-Za-z_][A-Za-z0-9_]*)", source))
    own = set(vars(training_step.StepMixin))
    assert read - own - _declared() == set()


def test_a_compiled_gan_provides_every_declared_name():
    gan = keras_gan.GAN(dense_generator(), dense_discriminator(), ema_half_life=10.0)
    gan.compile("adam", "sgd", r1_penalty=0.1)
    for name in _declared():
        assert hasattr(gan, name), name
    assert [p.name for p in gan.penalties] == ["r1_penalty"]
    assert gan.compile_config.r1_penalty == 0.1
