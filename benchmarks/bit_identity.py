"""Bit-identity check for refactors that must change no behaviour.

Runs short fixed-seed trainings (tiny dense and conv GANs, a few steps) over every
loss, every step mode, ADA, DiffAugment, R1/R2 with lazy regularization, WGAN-GP,
EMA, a `HyperparameterScheduler` schedule and a `ConditionalGAN`, and writes every
final weight, the optimizers' variables, the GAN's own variables and the epoch logs
to one `.npz` file. Run it before and after a change and compare:

    KERAS_BACKEND=jax python benchmarks/bit_identity.py run /tmp/before_jax.npz
    ... change the code ...
    KERAS_BACKEND=jax python benchmarks/bit_identity.py run /tmp/after_jax.npz
    python benchmarks/bit_identity.py compare /tmp/before_jax.npz /tmp/after_jax.npz

`compare` exits 1 unless both files hold the same keys and bit-identical arrays.
Run from the repository root (with `PYTHONPATH=$PWD` when the package is not
installed). Not run by the tests.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

import keras_gan  # noqa: E402
from keras_gan.callbacks import HyperparameterScheduler  # noqa: E402

LATENT = 4
SHAPE = (8, 8, 1)
N = 32
BATCH = 8
EPOCHS = 2  # 4 steps each


def dense_pair(dropout=0.2):
    units = int(np.prod(SHAPE))
    x = z = keras.Input((LATENT,))
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(8)(x)))
    x = layers.Reshape(SHAPE)(layers.Dense(units, activation="tanh")(x))
    generator = keras.Model(z, x, name="generator")
    y = s = keras.Input(SHAPE)
    y = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(8)(layers.Flatten()(y))))
    if dropout:
        y = layers.Dropout(dropout, seed=3)(y)
    discriminator = keras.Model(s, layers.Dense(1)(y), name="discriminator")
    return generator, discriminator


def conv_pair():
    x = z = keras.Input((LATENT,))
    x = layers.Reshape((4, 4, 2))(layers.Dense(32)(x))
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    x = layers.Conv2D(1, 3, padding="same", activation="tanh")(layers.LeakyReLU(0.2)(x))
    generator = keras.Model(z, x, name="generator")
    y = s = keras.Input(SHAPE)
    y = layers.LeakyReLU(0.2)(layers.Conv2D(4, 3, strides=2, padding="same")(y))
    discriminator = keras.Model(s, layers.Dense(1)(layers.Flatten()(y)), name="discriminator")
    return generator, discriminator


def conditional_pair(num_classes=3):
    units = int(np.prod(SHAPE))
    noise = keras.Input((LATENT,))
    labels = keras.Input((1,), dtype="int32")
    embedded = layers.Flatten()(layers.Embedding(num_classes, 3)(labels))
    x = layers.Concatenate()([noise, embedded])
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(8)(x)))
    x = layers.Reshape(SHAPE)(layers.Dense(units, activation="tanh")(x))
    generator = keras.Model([noise, labels], x)
    samples = keras.Input(SHAPE)
    d_labels = keras.Input((1,), dtype="int32")
    d_embedded = layers.Flatten()(layers.Embedding(num_classes, 3)(d_labels))
    y = layers.Concatenate()([layers.Flatten()(samples), d_embedded])
    y = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(8)(y)))
    discriminator = keras.Model([samples, d_labels], layers.Dense(1)(y))
    return generator, discriminator


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(N,) + SHAPE).astype("float32")


def labels(seed=1):
    return np.random.default_rng(seed).integers(0, 3, size=(N, 1)).astype("int32")


def adam():
    return keras.optimizers.Adam(1e-3, beta_1=0.5)


#: name -> (pair builder, GAN kwargs, compile kwargs, callbacks builder, conditional)
CASES = {}
for _loss in keras_gan.losses.LOSS_NAMES:
    CASES[f"loss_{_loss}"] = (dense_pair, {}, {"loss": _loss}, None, False)
CASES.update(
    {
        "simultaneous": (dense_pair, {}, {"update": "simultaneous"}, None, False),
        "reuse_fakes": (dense_pair, {}, {"reuse_fakes": True}, None, False),
        "d_steps_2": (dense_pair, {}, {"d_steps": 2}, None, False),
        "reuse_fakes_d_steps_2": (
            dense_pair,
            {},
            {"reuse_fakes": True, "d_steps": 2, "r1_penalty": 0.5},
            None,
            False,
        ),
        "label_smoothing": (dense_pair, {}, {"label_smoothing": 0.1}, None, False),
        "ada": (conv_pair, {}, {"augment": "ada"}, None, False),
        "diffaugment": (conv_pair, {}, {"augment": "diffaugment", "r1_penalty": 1.0}, None, False),
        "r1_r2_every_2": (
            dense_pair,
            {},
            {"r1_penalty": 1.0, "r2_penalty": 0.5, "penalty_every": 2},
            None,
            False,
        ),
        "r1_simultaneous": (
            dense_pair,
            {},
            {"r1_penalty": 1.0, "update": "simultaneous"},
            None,
            False,
        ),
        "wgan_gp": (
            lambda: dense_pair(dropout=0),
            {},
            {"loss": "wasserstein", "gradient_penalty": 10.0, "d_steps": 2},
            None,
            False,
        ),
        "wgan_gp_simultaneous": (
            lambda: dense_pair(dropout=0),
            {},
            {"loss": "wasserstein", "gradient_penalty": 10.0, "update": "simultaneous"},
            None,
            False,
        ),
        "ema_decay": (dense_pair, {"ema_decay": 0.9}, {}, None, False),
        "ema_half_life": (
            dense_pair,
            {"ema_half_life": 40.0, "ema_rampup": 0.5},
            {},
            None,
            False,
        ),
        "scheduler": (
            dense_pair,
            {"ema_decay": 0.9},
            {"r1_penalty": 1.0, "r2_penalty": 0.2, "adam_beta_2": 0.99},
            lambda: [
                HyperparameterScheduler(
                    {
                        "r1_penalty": lambda t: 1.0 / (t + 1),
                        "r2_penalty": lambda t: 0.1 * t,
                        "label_smoothing": lambda t: 0.05 * t,
                        "ema_decay": lambda t: 0.9 + 0.05 * t,
                        "adam_beta_2": lambda t: 0.99 - 0.01 * t,
                    }
                )
            ],
            False,
        ),
        "scheduler_images": (
            dense_pair,
            {},
            {"r1_penalty": 1.0, "penalty_every": 2},
            lambda: [
                HyperparameterScheduler(
                    {"r1_penalty": lambda n: 1.0 / (1 + n / 8)}, unit="images", update_every=8
                )
            ],
            False,
        ),
        "conditional": (conditional_pair, {}, {"r1_penalty": 0.5}, None, True),
        "conditional_reuse": (conditional_pair, {}, {"reuse_fakes": True}, None, True),
    }
)


def run_case(name):
    build, gan_kwargs, compile_kwargs, callbacks, conditional = CASES[name]
    keras.utils.set_random_seed(1234)
    generator, discriminator = build()
    if conditional:
        gan = keras_gan.ConditionalGAN(generator, discriminator, 3, seed=7, **gan_kwargs)
        x = (data(), labels())
    else:
        gan = keras_gan.GAN(generator, discriminator, seed=7, **gan_kwargs)
        x = data()
    gan.compile(adam(), adam(), **compile_kwargs)
    if conditional:
        history = gan.fit(
            x[0],
            x[1],
            batch_size=BATCH,
            epochs=EPOCHS,
            shuffle=False,
            verbose=0,
            callbacks=callbacks() if callbacks else None,
        )
        evaluated = gan.evaluate(x[0], x[1], batch_size=BATCH, verbose=0, return_dict=True)
        samples = gan.generate(4, labels=[0, 1, 2, 0], seed=5)
    else:
        history = gan.fit(
            x,
            batch_size=BATCH,
            epochs=EPOCHS,
            shuffle=False,
            verbose=0,
            callbacks=callbacks() if callbacks else None,
        )
        evaluated = gan.evaluate(x, batch_size=BATCH, verbose=0, return_dict=True)
        samples = gan.generate(4, seed=5)
    arrays = {}
    for i, weight in enumerate(gan.generator.weights):
        arrays[f"g/{i}"] = keras.ops.convert_to_numpy(weight)
    for i, weight in enumerate(gan.discriminator.weights):
        arrays[f"d/{i}"] = keras.ops.convert_to_numpy(weight)
    if gan.ema_generator is not None:
        for i, weight in enumerate(gan.ema_generator.weights):
            arrays[f"ema/{i}"] = keras.ops.convert_to_numpy(weight)
    for prefix, optimizer in (("d_opt", gan.d_optimizer), ("g_opt", gan.g_optimizer)):
        for i, variable in enumerate(optimizer.variables):
            arrays[f"{prefix}/{i}"] = keras.ops.convert_to_numpy(variable)
    for i, variable in enumerate(gan._saved_own_variables()):
        arrays[f"own/{i}"] = keras.ops.convert_to_numpy(variable)
    for key, values in history.history.items():
        arrays[f"history/{key}"] = np.asarray(values)
    for key, value in evaluated.items():
        arrays[f"evaluate/{key}"] = np.asarray(value)
    arrays["samples"] = samples
    arrays["compile_config"] = np.asarray(repr(_plain(gan.get_compile_config())))
    return {f"{name}/{key}": value for key, value in arrays.items()}


def _plain(config):
    """The compile config with optimizers' and losses' configs as saved."""
    return sorted((key, repr(value)) for key, value in config.items())


def run(path, names=None):
    arrays = {}
    for name in names or CASES:
        print(f"{keras.config.backend()}: {name}", flush=True)
        arrays.update(run_case(name))
    np.savez(path, **arrays)
    print(f"wrote {len(arrays)} arrays to {path}")


def compare(before, after):
    a, b = np.load(before), np.load(after)
    problems = [f"only in {before}: {k}" for k in sorted(set(a.files) - set(b.files))]
    problems += [f"only in {after}: {k}" for k in sorted(set(b.files) - set(a.files))]
    for key in sorted(set(a.files) & set(b.files)):
        x, y = a[key], b[key]
        if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
            problems.append(f"differs: {key}")
    for line in problems:
        print(line)
    print(f"{len(a.files)} vs {len(b.files)} arrays; {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "run":
        run(rest[0], rest[1:] or None)
    elif command == "compare":
        sys.exit(compare(*rest))
    else:
        sys.exit(f"Expected 'run PATH [CASE ...]' or 'compare BEFORE AFTER'. Received: {command}")
