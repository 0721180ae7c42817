"""A catalogue of bad inputs: each fails early, with its error type and a message naming it.

Data errors are raised by `fit`/`evaluate` before Keras builds the training step
(`train_function` stays `None`), except for a Python generator, which is not read
ahead: its batches are checked as the step is traced, with the same messages.
"""

import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images

import keras_gan
from keras_gan.callbacks import GANCheckpoint
from keras_gan.saving import load_gan


def gan():
    model = keras_gan.GAN(dense_generator(), dense_discriminator())
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return model


def cgan():
    generator, discriminator = conditional_pair(num_classes=3)
    model = keras_gan.ConditionalGAN(generator, discriminator, num_classes=3)
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return model


def with_value(x, index, value):
    x = x.copy()
    x[index] = value
    return x


class Batches(keras.utils.PyDataset):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        return self.batches[i]


def generator_of(batch):
    while True:
        yield batch


LABELS = np.arange(16) % 3
FIT = dict(batch_size=8, epochs=1, verbose=0)

# (id, model, fit/evaluate call, expected message); every one a ValueError raised before
# the training step is built.
DATA_CASES = [
    (
        "uint8 images",
        gan,
        lambda m: m.fit((images(16) * 127 + 128).astype("uint8"), **FIT),
        r"Expected floating-point samples: scale images to floats first, e\.g\. to "
        r"\[-1, 1\] .*Received: dtype=uint8 in x$",
    ),
    (
        "int64 images in a tf.data.Dataset",
        gan,
        lambda m: m.fit(
            tf.data.Dataset.from_tensor_slices(np.ones((16, 4, 4, 1), "int64")).batch(8)
        ),
        r"floating-point samples.*Received: dtype=int64 in the first batch of the "
        r"tf\.data\.Dataset$",
    ),
    (
        "string samples",
        gan,
        lambda m: m.fit(np.full((16, 4, 4, 1), "a"), **FIT),
        r"floating-point samples.*Received: dtype=<U1 in x$",
    ),
    (
        "a NaN pixel",
        gan,
        lambda m: m.fit(with_value(images(16), (3, 1, 2, 0), np.nan), **FIT),
        r"^Expected finite samples\. Received: 1 NaN and 0 infinite values in x, the first "
        r"at index \(3, 1, 2, 0\)$",
    ),
    (
        "an infinite pixel in the first tf.data batch",
        gan,
        lambda m: m.fit(
            tf.data.Dataset.from_tensor_slices(with_value(images(16), (5, 0, 0, 0), np.inf)).batch(
                8
            )
        ),
        r"^Expected finite samples\. Received: 0 NaN and 1 infinite values in the first "
        r"batch of the tf\.data\.Dataset, the first at index \(5, 0, 0, 0\)$",
    ),
    (
        "NaN in validation_data",
        gan,
        lambda m: m.fit(
            images(16), validation_data=(with_value(images(8), (0, 0, 0, 0), np.nan),), **FIT
        ),
        r"Expected finite samples\. Received: 1 NaN .* in validation samples",
    ),
    (
        "an empty array",
        gan,
        lambda m: m.fit(images(0), **FIT),
        r"^Expected at least one sample\. Received: x of shape \(0, 4, 4, 1\)$",
    ),
    (
        "an empty tf.data.Dataset",
        gan,
        lambda m: m.fit(tf.data.Dataset.from_tensor_slices(images(0)).batch(8)),
        r"^Expected a tf\.data\.Dataset that yields at least one batch\. Received: an empty "
        r"dataset \(cardinality 0\)$",
    ),
    (
        "a tf.data.Dataset filtered down to nothing",
        gan,
        lambda m: m.fit(
            tf.data.Dataset.from_tensor_slices(images(16)).filter(lambda x: False).batch(8)
        ),
        r"yields at least one batch\. Received: a dataset that yields nothing$",
    ),
    (
        "an empty PyDataset",
        gan,
        lambda m: m.fit(Batches([])),
        r"^Expected a PyDataset with at least one batch\. Received: num_batches=0$",
    ),
    (
        "a dict of arrays",
        gan,
        lambda m: m.fit({"image": images(16)}, **FIT),
        r"^Expected the samples to be one array or tensor, not a dict: map the data to "
        r"samples first\. Received: a dict with keys \['image'\] in x$",
    ),
    (
        "dict batches from tf.data",
        cgan,
        lambda m: m.fit(
            tf.data.Dataset.from_tensor_slices({"image": images(16), "label": LABELS}).batch(8)
        ),
        r"not a dict: map the data to \(samples, labels\) first\. Received: a dict with keys "
        r"\['image', 'label'\] in the first batch of the tf\.data\.Dataset$",
    ),
    (
        "samples and labels as one tuple",
        cgan,
        lambda m: m.fit((images(16), LABELS), **FIT),
        r"one array or tensor \(give the labels separately, as `fit\(samples, labels\)`\)\. "
        r"Received: a tuple of 2 elements in x$",
    ),
    (
        "samples larger than the generator's",
        gan,
        lambda m: m.fit(images(16, sample_shape=(8, 8, 1)), **FIT),
        r"^Expected samples of shape \(batch, 4, 4, 1\), the generator's output shape\. "
        r"Received: shape \(16, 8, 8, 1\) in x$",
    ),
    (
        "images without their channel axis",
        gan,
        lambda m: m.fit(images(16)[..., 0], **FIT),
        r"Received: shape \(16, 4, 4\) in x; add the channel axis with `x\[\.\.\., None\]`$",
    ),
    (
        "an unbatched tf.data.Dataset",
        gan,
        lambda m: m.fit(tf.data.Dataset.from_tensor_slices(images(16))),
        r"^Expected batches of samples of shape \(batch, 4, 4, 1\)\. Received: single samples "
        r"of shape \(4, 4, 1\) in the first batch of the tf\.data\.Dataset; batch the "
        r"dataset first",
    ),
    (
        "a PyDataset of flat vectors",
        gan,
        lambda m: m.fit(Batches([images(8).reshape(8, 16)])),
        r"Expected samples of shape \(batch, 4, 4, 1\).*Received: shape \(8, 16\) in the "
        r"first batch of the PyDataset \(dataset\[0\]\)$",
    ),
    (
        "wrong shape given to evaluate",
        gan,
        lambda m: m.evaluate(images(8, sample_shape=(4, 4, 3)), verbose=0),
        r"Expected samples of shape \(batch, 4, 4, 1\).*Received: shape \(8, 4, 4, 3\) in x$",
    ),
    (
        "no data",
        gan,
        lambda m: m.fit(None, **FIT),
        r"^Expected training data: .*Received: x=None$",
    ),
    (
        "a ConditionalGAN without labels",
        cgan,
        lambda m: m.fit(images(16), **FIT),
        r"^Expected a ConditionalGAN's data to yield \(samples, labels\)\. Received: batches of "
        r"samples only, from x",
    ),
    (
        "a ConditionalGAN given a tf.data.Dataset of samples only",
        cgan,
        lambda m: m.fit(tf.data.Dataset.from_tensor_slices(images(16)).batch(8)),
        r"^Expected a ConditionalGAN's data to yield \(samples, labels\)\. Received: batches of "
        r"samples only, from the first batch of the tf\.data\.Dataset;",
    ),
    (
        "a label equal to num_classes",
        cgan,
        lambda m: m.fit(images(16), with_value(LABELS, 4, 3), **FIT),
        r"^Expected labels in \[0, 3\)\. Received: labels from 0 to 3 in y$",
    ),
    (
        "a negative label",
        cgan,
        lambda m: m.fit(images(16), with_value(LABELS, 0, -1), **FIT),
        r"^Expected labels in \[0, 3\)\. Received: labels from -1 to 2 in y$",
    ),
    (
        "labels out of range in the first tf.data batch",
        cgan,
        lambda m: m.fit(tf.data.Dataset.from_tensor_slices((images(16), LABELS + 5)).batch(8)),
        r"^Expected labels in \[0, 3\)\. Received: labels from 5 to 7 in the first batch of "
        r"the tf\.data\.Dataset$",
    ),
    (
        "float labels",
        cgan,
        lambda m: m.fit(images(16), LABELS.astype("float32"), **FIT),
        r"^Expected integer class labels in \[0, 3\)\. Received: dtype=float32 in y$",
    ),
    (
        "one-hot labels",
        cgan,
        lambda m: m.fit(images(16), np.eye(3, dtype="int32")[LABELS], **FIT),
        r"^Expected labels of shape \(batch,\) or \(batch, 1\): one class index per sample, "
        r"not one-hot\. Received: shape \(16, 3\) in y$",
    ),
    (
        "fewer labels than samples",
        cgan,
        lambda m: m.fit(images(16), LABELS[:15], **FIT),
        r"^Expected one label per sample\. Received: 16 samples in x and 15 labels in y$",
    ),
]


@pytest.mark.parametrize(
    "make, call, message", [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES]
)
def test_bad_data_fails_before_the_step_is_built(make, call, message):
    model = make()
    with pytest.raises(ValueError, match=message):
        call(model)
    assert model.train_function is None and model.test_function is None


# Python generators are not read ahead: the same checks run as the step is traced. (No
# `$` anchors: on JAX the message ends with a note on JAX's traceback filtering.)
GENERATOR_CASES = [
    (
        "uint8 images from a Python generator",
        gan,
        lambda: generator_of((np.zeros((8, 4, 4, 1), "uint8"),)),
        r"floating-point samples.*Received: dtype=uint8 in a training batch",
    ),
    (
        "wrong shape from a Python generator",
        gan,
        lambda: generator_of((images(8, sample_shape=(2, 8, 1)),)),
        r"^Expected samples of shape \(batch, 4, 4, 1\), the generator's output shape\. "
        r"Received: shape \((8|None), 2, 8, 1\) in a training batch",
    ),
    (
        "float labels from a Python generator",
        cgan,
        lambda: generator_of((images(8), np.zeros(8, "float32"))),
        r"^Expected integer class labels in \[0, 3\)\. Received: dtype=float32 in a "
        r"training batch",
    ),
    (
        "a Python generator of samples only, for a ConditionalGAN",
        cgan,
        lambda: generator_of((images(8),)),
        r"Expected a ConditionalGAN's data to yield \(samples, labels\)\. Received: batches "
        r"of samples only",
    ),
]


@pytest.mark.parametrize(
    "make, data, message", [c[1:] for c in GENERATOR_CASES], ids=[c[0] for c in GENERATOR_CASES]
)
def test_bad_batches_of_a_python_generator_fail_as_the_step_is_traced(make, data, message):
    with pytest.raises(ValueError, match=message):
        make().fit(data(), steps_per_epoch=2, epochs=1, verbose=0)


@pytest.mark.xfail(
    keras.config.backend() == "jax",
    reason="Keras 3.15 JAX trainer: an error in the first train step leaves every variable "
    "without a value (purged by `_get_jax_state(purge_model_variables=True)`; the "
    "`jax_state_sync()` in fit's `finally` has no state to restore before a step ends)",
    raises=TypeError,
    strict=True,
)
def test_the_model_survives_an_error_raised_as_its_step_is_traced():
    model = gan()
    before = [keras.ops.convert_to_numpy(w) for w in model.weights]
    with pytest.raises(ValueError, match="dtype=uint8 in a training batch"):
        model.fit(generator_of((np.zeros((8, 4, 4, 1), "uint8"),)), steps_per_epoch=2, verbose=0)
    after = [keras.ops.convert_to_numpy(w) for w in model.weights]  # JAX: TypeError
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    model.fit(images(16), **FIT)  # and it still trains
    assert int(model.g_optimizer.iterations) == 2


# -------------------------------------------------------------- models and settings
def _two_input_generator():
    a, b = keras.Input((4,)), keras.Input((4,))
    return keras.Model([a, b], layers.Reshape((4, 4, 1))(layers.Dense(16)(a + b)))


def _two_output_generator():
    z = keras.Input((4,))
    return keras.Model(z, [layers.Reshape((4, 4, 1))(layers.Dense(16)(z)), z])


def _two_output_discriminator():
    x = keras.Input((4, 4, 1))
    flat = layers.Flatten()(x)
    return keras.Model(x, [layers.Dense(1)(flat), layers.Dense(1)(flat)])


def _two_input_discriminator():
    a, b = keras.Input((4, 4, 1)), keras.Input((4, 4, 1))
    return keras.Model([a, b], layers.Dense(1)(layers.Flatten()(a + b)))


def _compile_with(**kwargs):
    model = keras_gan.GAN(dense_generator(), dense_discriminator())
    model.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), **kwargs)


MODEL_CASES = [
    (
        "latent_dim that differs from the generator's input",
        lambda: keras_gan.GAN(dense_generator(latent_dim=4), dense_discriminator(), latent_dim=8),
        r"^Expected `latent_dim` to match the generator's input size 4\. Received: "
        r"latent_dim=8, generator input_shape=\(None, 4\)$",
    ),
    (
        "latent_dim=0",
        lambda: keras_gan.GAN(dense_generator(), dense_discriminator(), latent_dim=0),
        r"positive integer\. Received: latent_dim=0$",
    ),
    (
        "a generator with two inputs",
        lambda: keras_gan.GAN(_two_input_generator(), dense_discriminator()),
        r"^Expected the generator to take one input \(noise\)\. Received: input_shape=",
    ),
    (
        "a generator with two outputs",
        lambda: keras_gan.GAN(_two_output_generator(), dense_discriminator()),
        r"^Expected the generator to return one tensor\. Received: 2 outputs$",
    ),
    (
        "a discriminator with two outputs",
        lambda: keras_gan.GAN(dense_generator(), _two_output_discriminator()),
        r"^Expected the discriminator to return one tensor\. Received: 2 outputs$",
    ),
    (
        "a discriminator with two inputs",
        lambda: keras_gan.GAN(dense_generator(), _two_input_discriminator()),
        r"^Expected the discriminator to accept the generator's output, shape "
        r"\(None, 4, 4, 1\)\. Calling it failed with: ",  # then Keras' words
    ),
    (
        "a discriminator of 8x8 images for a 4x4 generator",
        lambda: keras_gan.GAN(dense_generator(), dense_discriminator(sample_shape=(8, 8, 1))),
        r"Received: generator output_shape=\(None, 4, 4, 1\), discriminator "
        r"input_shape=\(None, 8, 8, 1\)$",
    ),
    (
        "an unknown loss name",
        lambda: _compile_with(loss="wasserstein_gp"),
        r"^Expected `loss` to be one of \['minimax', 'non_saturating', 'wasserstein', "
        r"'hinge', 'least_squares', 'relativistic', 'relativistic_hinge'\] or a "
        r"`keras_gan\.losses\.GANLoss` instance\. "
        r"Received: loss='wasserstein_gp'$",
    ),
    (
        "d_steps=0",
        lambda: _compile_with(d_steps=0),
        r"^Expected `d_steps` to be an integer >= 1\. Received: d_steps=0$",
    ),
    (
        "label_smoothing=1",
        lambda: _compile_with(label_smoothing=1.0),
        r"^Expected `label_smoothing` to be a float in \[0, 1\)\. Received: "
        r"label_smoothing=1\.0$",
    ),
    (
        "label smoothing with the hinge loss",
        lambda: _compile_with(loss="hinge", label_smoothing=0.1),
        r"^Expected `label_smoothing=0` with this loss",
    ),
    (
        "a negative gradient penalty",
        lambda: _compile_with(gradient_penalty=-1.0),
        r"finite float >= 0\. Received: gradient_penalty=-1\.0$",
    ),
    (
        "Keras' optimizer argument",
        lambda: _compile_with(optimizer="adam"),
        r"instead of Keras' `optimizer` argument\. Received: optimizer='adam'$",
    ),
    (
        "from_logits=False with a loss object built for logits",
        lambda: _compile_with(loss=keras_gan.losses.Minimax(), from_logits=False),
        r"^Expected the loss object to agree with `from_logits=False`",
    ),
    (
        "num_classes=1",
        lambda: keras_gan.ConditionalGAN(*conditional_pair(), num_classes=1),
        r"^Expected `num_classes` to be an integer >= 2\. Received: num_classes=1$",
    ),
]


@pytest.mark.parametrize(
    "build, message", [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES]
)
def test_bad_models_and_settings(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_one_optimizer_for_both_networks():
    model = keras_gan.GAN(dense_generator(), dense_discriminator())
    optimizer = keras.optimizers.Adam()
    with pytest.raises(ValueError, match=r"^Expected two different optimizer objects"):
        model.compile(optimizer, optimizer)


# -------------------------------------------------------------------------- files
@pytest.fixture
def saved(tmp_path):
    """A saved GAN and its bytes."""
    path = tmp_path / "gan.keras"
    gan().save(path)
    return path, path.read_bytes()


def test_truncated_file(tmp_path, saved):
    _, content = saved
    path = tmp_path / "truncated.keras"
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(
        (ValueError, KeyError, TypeError)
    ):  # Keras fails too, in its own words (not pinned here)
        keras.models.load_model(path)
    with pytest.raises(
        ValueError,
        match=rf"^Expected a complete `\.keras` zip archive\. Received: '.*truncated\.keras' "
        rf"\({len(content) // 2} bytes\), a zip archive cut off before its end",
    ):
        load_gan(path)


def test_foreign_zip_file(tmp_path):
    path = tmp_path / "photos.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cat.jpg", b"\xff\xd8\xff")
    with pytest.raises((ValueError, KeyError, TypeError)):  # Keras' own words, not pinned here
        keras.models.load_model(path)
    with pytest.raises(
        ValueError, match=r"Keras model archive holding config\.json\. Received: .*\['cat\.jpg'\]"
    ):
        load_gan(path)


def test_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("hello")
    with pytest.raises((ValueError, KeyError, TypeError)):  # Keras' own words, not pinned here
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=r"which is not a zip archive \(it starts with b'hell'\)"):
        load_gan(path)
    (tmp_path / "empty.keras").write_bytes(b"")
    with pytest.raises(ValueError, match=r"Received: '.*empty\.keras', an empty file$"):
        load_gan(tmp_path / "empty.keras")


def test_a_keras_model_that_is_not_a_gan(tmp_path):
    path = tmp_path / "generator.keras"
    dense_generator().save(path)
    assert isinstance(keras.models.load_model(path), keras.Model)
    with pytest.raises(
        ValueError,
        match=r"^Expected a keras_gan GAN in '.*generator\.keras'\. Received: a \w+ \(load ",
    ):
        load_gan(path)


def test_checkpoint_directory_without_checkpoints(tmp_path):
    directory = tmp_path / "ckpt"
    directory.mkdir()
    (directory / "notes.txt").write_text("not a checkpoint")
    assert GANCheckpoint.latest(directory) is None
    assert GANCheckpoint.latest_epoch(directory) == 0
    with pytest.raises((ValueError, KeyError, TypeError)):  # Keras' own words, not pinned here
        keras.models.load_model(GANCheckpoint.latest(directory))
    with pytest.raises(
        ValueError, match=r"Received: None \(`GANCheckpoint\.latest` returns None for a directory"
    ):
        load_gan(GANCheckpoint.latest(directory))
    with pytest.raises(ValueError, match=r"Received: the directory '.*ckpt'; for a GANCheckpoint"):
        load_gan(directory)
    with pytest.raises(
        FileNotFoundError, match=r"existing `\.keras` file\. Received: '.*gone\.keras'$"
    ):
        load_gan(directory / "gone.keras")


def test_load_gan_loads_a_saved_gan(saved):
    path, _ = saved
    restored = load_gan(path)
    assert isinstance(restored, keras_gan.GAN) and restored.compiled


# ------------------------------------------------------------- what still works
def test_good_data_of_every_kind_passes_the_checks():
    model = cgan()
    x = images(16)
    model.fit(x, LABELS, validation_data=(x, LABELS), **FIT)
    model.fit(x, LABELS.reshape(-1, 1).astype("uint8"), **FIT)  # (batch, 1), any int type
    model.fit(tf.data.Dataset.from_tensor_slices((x, LABELS)).batch(8), epochs=1, verbose=0)
    model.fit(Batches([(x[:8], LABELS[:8])]), epochs=1, verbose=0)
    model.evaluate(x, LABELS, verbose=0)
    model.fit(generator_of((x[:8], LABELS[:8])), steps_per_epoch=1, epochs=1, verbose=0)
    plain = gan()
    plain.fit(x.astype("float16"), **FIT)
    plain.fit(x, LABELS.astype("float32"), **FIT)  # labels of an unconditional GAN: ignored
    assert int(plain.g_optimizer.iterations) == 4


@pytest.mark.skipif(
    keras.config.backend() != "torch", reason="a torch DataLoader goes with the torch backend"
)
def test_torch_data_loader_first_batch_is_checked_without_touching_torch_random_state():
    import torch
    from torch.utils.data import DataLoader
    from torch.utils.data import TensorDataset

    bad = DataLoader(TensorDataset(torch.zeros((16, 4, 4, 1), dtype=torch.uint8)), batch_size=8)
    with pytest.raises(ValueError, match=r"dtype=uint8 in the first batch of the DataLoader$"):
        gan().fit(bad, epochs=1, verbose=0)
    labels = torch.tensor(LABELS + 1)
    out_of_range = DataLoader(TensorDataset(torch.tensor(images(16)), labels), batch_size=8)
    with pytest.raises(ValueError, match=r"labels from 1 to 3 in the first batch of the Data"):
        cgan().fit(out_of_range, epochs=1, verbose=0)

    from keras_gan import data_checks

    good = DataLoader(
        TensorDataset(torch.tensor(images(16)), torch.tensor(LABELS)), batch_size=8, shuffle=True
    )
    state = torch.random.get_rng_state()
    data_checks.check_training_data(cgan(), good)
    assert torch.equal(state, torch.random.get_rng_state())
