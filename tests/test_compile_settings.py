"""`compile`'s options are declared once (`keras_gan.compile_settings.CompileConfig`)."""

import inspect

import keras
from model_zoo import dense_discriminator
from model_zoo import dense_generator

import keras_gan
from keras_gan import compile_settings

# compile's documented options (API.md), written out independently of OPTION_NAMES.
DOCUMENTED = {
    "d_optimizer",
    "g_optimizer",
    "loss",
    "d_steps",
    "label_smoothing",
    "gradient_penalty",
    "from_logits",
    "update",
    "reuse_fakes",
    "augment",
    "r1_penalty",
    "r2_penalty",
    "penalty_every",
    "adam_beta_2",
}


def test_every_compile_keyword_is_one_declared_option():
    parameters = inspect.signature(keras_gan.GAN.compile).parameters
    keywords = {
        name for name, p in parameters.items() if name != "self" and p.kind is not p.VAR_KEYWORD
    }
    assert keywords == DOCUMENTED
    assert set(compile_settings.OPTION_NAMES) == DOCUMENTED
    assert len(compile_settings.OPTION_NAMES) == len(DOCUMENTED)


def test_compile_config_saves_every_option_and_keras_arguments():
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    gan.compile("adam", "adam", d_steps=2, r1_penalty=0.5, jit_compile=False, run_eagerly=True)
    config = gan.get_compile_config()
    assert set(config) == DOCUMENTED | {"jit_compile", "run_eagerly"}
    assert config["d_steps"] == 2 and config["r1_penalty"] == 0.5
    assert config["augment"] is None and config["label_smoothing"] == 0.0


def test_settings_attributes_before_and_after_compile():
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    assert (gan.gradient_penalty_weight, gan.r1_weight, gan.r2_weight) == (0.0, 0.0, 0.0)
    assert gan.penalty_every == 1 and gan.augmenter is None
    for name in ("gan_loss", "d_steps", "update", "reuse_fakes", "from_logits", "d_optimizer"):
        assert not hasattr(gan, name)
    d_optimizer = keras.optimizers.SGD()
    gan.compile(d_optimizer, "adam", loss="hinge", gradient_penalty=1.0, penalty_every=3)
    assert gan.d_optimizer is d_optimizer and gan.gan_loss.name == "hinge"
    assert (gan.gradient_penalty_weight, gan.penalty_every, gan.d_steps) == (1.0, 3, 1)
    assert (gan.update, gan.reuse_fakes, gan.from_logits) == ("alternating", False, True)


def test_compile_config_has_one_field_per_option():
    import dataclasses

    fields = [f.name for f in dataclasses.fields(compile_settings.CompileConfig)]
    extra = {"augment_argument", "keras_kwargs"}
    assert [name for name in fields if name not in extra] == list(compile_settings.OPTION_NAMES)
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    gan.compile("adam", "adam")
    assert list(gan.get_compile_config()) == list(compile_settings.OPTION_NAMES)
    assert gan.compile_config.d_optimizer is gan.d_optimizer
