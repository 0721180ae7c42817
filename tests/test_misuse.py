"""What a new user gets wrong, refused or warned about clearly."""

import keras
import numpy as np
import pytest
from keras import layers
from model_zoo import changed
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot

import keras_gan


def compiled_gan(generator=None, discriminator=None, gan_kwargs=None, **compile_kwargs):
    gan = keras_gan.GAN(
        generator or dense_generator(), discriminator or dense_discriminator(), **(gan_kwargs or {})
    )
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), **compile_kwargs)
    return gan


def sequential_generator(activation):
    return keras.Sequential(
        [keras.Input((4,)), layers.Dense(16, activation=activation), layers.Reshape((4, 4, 1))]
    )


# ------------------------------------------------------------- data range (13.2)
@pytest.mark.parametrize(
    "generator, hint",
    [
        (dense_generator, r"x / 127\.5 - 1"),
        (lambda: sequential_generator("sigmoid"), r"x / 255"),
    ],
)
def test_unscaled_float_images_are_refused(generator, hint):
    gan = compiled_gan(generator())
    data = np.random.default_rng(0).integers(0, 256, (16, 4, 4, 1)).astype("float32")
    before = snapshot(gan.generator.variables + gan.discriminator.variables)
    with pytest.raises(ValueError, match=rf"Expected samples in \[.*\].*Received: .*255.*{hint}"):
        gan.fit(data, batch_size=8, epochs=1, verbose=0)
    import tensorflow as tf

    with pytest.raises(ValueError, match=r"Expected samples in \[.*first batch"):
        gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0)
    assert changed(before, snapshot(gan.generator.variables + gan.discriminator.variables)) == []


def test_unscaled_images_are_refused_by_a_conditional_gan():
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    cgan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match=r"Expected samples in \[-1, 1\]"):
        cgan.fit(images(8) * 100, np.zeros(8, "int32"), batch_size=8, verbose=0)


def test_data_outside_a_linear_or_unknown_output_range_is_accepted():
    for generator in (sequential_generator(None), sequential_generator("relu")):
        gan = compiled_gan(generator)
        history = gan.fit(images(8) * 100, batch_size=8, epochs=1, verbose=0)
        assert np.isfinite(history.history["d_loss"][0])


def test_output_range_is_read_through_shape_only_layers():
    from keras_gan import introspection

    assert introspection.output_range(dense_generator()) == ("tanh", -1.0, 1.0)
    assert introspection.output_range(sequential_generator("sigmoid")) == ("sigmoid", 0.0, 1.0)
    assert introspection.output_range(sequential_generator(None)) is None
    x = inputs = keras.Input((4,))
    x = layers.Dense(16)(x)
    x = layers.Activation("tanh")(x)
    outputs = layers.Add()([layers.Reshape((4, 4, 1))(x), layers.Reshape((4, 4, 1))(x)])
    assert introspection.output_range(keras.Model(inputs, outputs)) is None  # not a bound
    nested = keras.Sequential([dense_generator(), layers.Flatten()])
    assert introspection.output_range(nested) == ("tanh", -1.0, 1.0)


# ---------------------------------------------------------- sample weights (13.3)
@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"sample_weight": np.ones(16, "float32")}, "sample_weight"),
        ({"class_weight": {0: 1.0, 1: 2.0}}, "class_weight"),
    ],
)
def test_fit_refuses_sample_and_class_weights(kwargs, name):
    gan = compiled_gan()
    with pytest.raises(ValueError, match=rf"Expected no `{name}`.*Received: {name}="):
        gan.fit(images(16), batch_size=8, epochs=1, verbose=0, **kwargs)


def test_fit_refuses_sample_weights_in_the_batches():
    gan = compiled_gan()
    data = images(16)

    def batches():
        while True:
            yield data[:8], None, np.ones(8, "float32")

    with pytest.raises(
        ValueError, match=r"Expected no sample weights.*Received: .*a training batch"
    ):
        gan.fit(batches(), steps_per_epoch=1, epochs=1, verbose=0)


# ---------------------------------------------------------- label smoothing (13.4)
def test_label_smoothing_assigned_out_of_range_fails_when_fit_starts():
    gan = compiled_gan()
    gan.label_smoothing.assign(5.0)
    before = snapshot(gan.generator.variables + gan.discriminator.variables)
    with pytest.raises(ValueError, match=r"in \[0, 1\).*Received: label_smoothing=5\.0"):
        gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    assert changed(before, snapshot(gan.generator.variables + gan.discriminator.variables)) == []


def test_label_smoothing_assigned_out_of_range_fails_when_the_next_epoch_starts():
    gan = compiled_gan(loss="hinge")

    class Assign(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            gan.label_smoothing.assign(0.1)

    with pytest.raises(ValueError, match=r"Expected `label_smoothing=0` with this loss"):
        gan.fit(images(8), batch_size=8, epochs=3, verbose=0, callbacks=[Assign()])
    assert int(gan.g_optimizer.iterations) == 1


# ------------------------------------------------- losses vs discriminator (13.6, 13.7)
@pytest.mark.parametrize("loss", ["hinge", "wasserstein", "least_squares"])
def test_from_logits_false_is_refused_where_the_loss_has_no_probabilities(loss):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    with pytest.raises(ValueError, match=rf"Expected `from_logits=True` with loss '{loss}'"):
        gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), loss=loss, from_logits=False)
    cls = type(keras_gan.losses.get(loss))
    with pytest.raises(ValueError, match=r"Expected `from_logits=True` with loss "):
        gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), loss=cls(), from_logits=False)


def sigmoid_discriminator():
    return keras.Sequential(
        [keras.Input((4, 4, 1)), layers.Flatten(), layers.Dense(1, activation="sigmoid")]
    )


def test_a_sigmoid_discriminator_read_as_logits_warns():
    with pytest.warns(UserWarning, match=r"discriminator ends in a sigmoid.*from_logits=False"):
        compiled_gan(discriminator=sigmoid_discriminator())


def test_no_warning_for_a_sigmoid_discriminator_with_from_logits_false(recwarn):
    compiled_gan(discriminator=sigmoid_discriminator(), from_logits=False)
    compiled_gan(discriminator=dense_discriminator(batch_norm=False), gradient_penalty=10.0)
    assert not [w for w in recwarn if "discriminator" in str(w.message)]


def test_gradient_penalty_with_a_batch_norm_critic_warns():
    with pytest.warns(UserWarning, match=r"gradient penalty.*BatchNormalization"):
        compiled_gan(loss="wasserstein", gradient_penalty=10.0)


# ------------------------------------------------------------------ compile, files (13.11)
def test_compile_refuses_a_missing_optimizer():
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    with pytest.raises(ValueError, match=r"Expected `d_optimizer` to be a Keras optimizer.*None"):
        gan.compile(None, keras.optimizers.Adam())
    with pytest.raises(ValueError, match=r"Expected `g_optimizer` to be a Keras optimizer.*None"):
        gan.compile(keras.optimizers.Adam(), None)


def test_a_keras_file_whose_config_is_not_json_is_named(tmp_path):
    import zipfile

    path = tmp_path / "broken.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{not json")
        archive.writestr("metadata.json", "{}")
    with pytest.raises(ValueError, match=r"config\.json.*JSON.*Received: .*broken\.keras"):
        keras_gan.load_gan(path)


# ------------------------------------------------------------------ freezing (13.9)
@pytest.mark.parametrize("frozen", ["discriminator", "generator"])
@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_a_network_frozen_after_compile_stays_frozen_with_a_warning(frozen, update):
    gan = compiled_gan(update=update)
    gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    other = "generator" if frozen == "discriminator" else "discriminator"
    getattr(gan, frozen).trainable = False
    before = snapshot(getattr(gan, frozen).weights)  # not the Dropout seed, which moves on
    other_before = snapshot(getattr(gan, other).trainable_variables)
    with pytest.warns(UserWarning, match=rf"The {frozen} is frozen.*only the {other} trains"):
        history = gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    assert changed(before, snapshot(getattr(gan, frozen).weights)) == []
    assert len(changed(other_before, snapshot(getattr(gan, other).trainable_variables))) == len(
        other_before
    )


def test_a_network_partly_frozen_after_compile_is_refused_until_recompiled():
    gan = compiled_gan()
    gan.discriminator.layers[2].trainable = False  # its first Dense
    with pytest.raises(ValueError, match=r"compile\(\) again.*Received: 4 trainable variables"):
        gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    frozen = snapshot(gan.discriminator.layers[2].variables)
    gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    assert changed(frozen, snapshot(gan.discriminator.layers[2].variables)) == []


# ------------------------------------------------ subclassed models without `training` (13.10)
class NoTrainingArgGenerator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(16, activation="tanh")
        self.reshape = layers.Reshape((4, 4, 1))

    def call(self, noise):
        return self.reshape(self.dense(noise))


class NoTrainingArgDiscriminator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flatten = layers.Flatten()
        self.dense = layers.Dense(1)

    def call(self, samples):
        return self.dense(self.flatten(samples))


def test_subclassed_models_whose_call_takes_no_training_argument_train():
    generator, discriminator = NoTrainingArgGenerator(), NoTrainingArgDiscriminator()
    generator.build((None, 4))
    discriminator.build((None, 4, 4, 1))
    gan = keras_gan.GAN(generator, discriminator, latent_dim=4)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), gradient_penalty=1.0)
    before = snapshot(generator.trainable_variables + discriminator.trainable_variables)
    history = gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    after = snapshot(generator.trainable_variables + discriminator.trainable_variables)
    assert len(changed(before, after)) == len(before)
