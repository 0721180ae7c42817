"""`GAN`: a generator and a discriminator trained with `compile` and `fit`."""

import math
import warnings

import keras
import numpy as np
from keras import ops

from keras_gan import _distribute
from keras_gan import _keras_internals
from keras_gan import augmentation as augmentation_module
from keras_gan import backend
from keras_gan import checks
from keras_gan import compile_settings
from keras_gan import data_checks
from keras_gan import hyperparameters
from keras_gan import introspection
from keras_gan import layers as gan_layers
from keras_gan import penalties as penalties_module
from keras_gan._optimizer_pair import OptimizerPair
from keras_gan._random import per_replica as _per_replica
from keras_gan.training_step import StepMixin


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(
    StepMixin,
    hyperparameters.HyperparameterMixin,
    compile_settings.CompiledAttributesMixin,
    keras.Model,
):
    """A generative adversarial network that trains with `compile` and `fit`.

    One training step makes `d_steps` discriminator updates (a real batch and a freshly
    generated batch), then one generator update with fresh noise (with
    `compile(reuse_fakes=True)`, on the last discriminator update's batch). In each
    update the other network runs in training mode but is frozen: its weights and its
    non-trainable state (BatchNorm statistics included) do not change.

    `label_smoothing`, `r1_penalty`, `r2_penalty`, `ema_decay`, `ema_half_life`,
    `augment_p` and `adam_beta_2` are variables that change between steps without
    recompiling (`keras_gan.hyperparameters`; `keras_gan.callbacks.HyperparameterScheduler`
    sets them on a schedule); `images_seen` counts the real images trained on.

    Args:
        generator: a built Keras model mapping noise `(batch, latent_dim)` to samples.
        discriminator: a built Keras model mapping samples to one score per sample,
            `(batch, 1)` or `(batch,)`.
        latent_dim: size of the noise vector. Defaults to `None`, which reads it from
            `generator.input_shape[-1]`.
        seed: int seed of the model's noise. Defaults to `None` (drawn from Keras'
            global seed, so `keras.utils.set_random_seed` makes runs reproducible).
        ema_decay: keep an exponential moving average of the generator's weights
            with this decay (e.g. `0.999`), updated after every generator step (Yazici
            et al., 2019, arXiv:1806.04498). When on, `generate`, `predict`, `gan(z)`
            and `sampling_generator` (what image grids and checkpoints save) use the
            averaged generator. `gan.ema_decay` is a variable: settable during
            training. Defaults to `None` (off).
        ema_half_life: keep the moving average with a half-life in images instead:
            each step's decay is `0.5 ** (batch_images / half_life)` (StyleGAN2-ADA's
            `ema_kimg * 1000`; Karras et al., 2020, arXiv:2006.06676), `batch_images`
            the step's real images (the global batch). A variable too
            (`gan.ema_half_life`). Not with `ema_decay`. Defaults to `None`.
        ema_rampup: with `ema_half_life`, cap the half-life at `images_seen *
            ema_rampup` (StyleGAN2-ADA uses `0.05`), so that the average follows the
            generator closely early in training. Defaults to `None` (no cap).
        **kwargs: passed to `keras.Model` (`name`, `dtype`).

    Example:
    ```python
    gan = keras_gan.GAN(generator, discriminator)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5),
                keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(images, batch_size=64, epochs=10)
    samples = gan.generate(16)
    ```
    """

    _num_generator_inputs = 1

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        *,
        seed=None,
        ema_decay=None,
        ema_half_life=None,
        ema_rampup=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        backend.check_supported()
        _check_model(generator, "generator")
        _check_model(discriminator, "discriminator")
        self.latent_dim = _check_latent_dim(generator, latent_dim, self._num_generator_inputs)
        self.generator = generator
        self.discriminator = discriminator
        self.sample_shape = self._check_shapes()
        gan_layers.check_spectral_normalization(discriminator, "discriminator")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise_seed")
        self.sample_seed_generator = keras.random.SeedGenerator(
            None if seed is None else seed + 1, name="sample_seed"
        )
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.gp_tracker = keras.metrics.Mean(name="gradient_penalty")
        self.r1_tracker = keras.metrics.Mean(name="r1_penalty")
        self.r2_tracker = keras.metrics.Mean(name="r2_penalty")
        # The penalties compiled on (`keras_gan.penalties`); each logs its value with
        # one of the trackers above.
        self.penalties = ()
        ema_decay, ema_half_life, ema_rampup = _check_ema(ema_decay, ema_half_life, ema_rampup)
        self._create_hyperparameters(ema_decay, ema_half_life, ema_rampup)
        # `compile`'s checked arguments (`keras_gan.compile_settings`), None until then.
        self.compile_config = None
        self.augmenter = None
        self.ema_generator = None if self._ema_decay is None else _clone(generator, "ema_generator")
        self.built = True

    # ----------------------------------------------------------------- shapes
    def _check_shapes(self):
        """Checks the two models fit together; returns the sample shape (no batch)."""
        noise = keras.KerasTensor((None, self.latent_dim))
        sample_shape = introspection.output_spec(
            self.generator, noise, "generator", f"noise of shape {noise.shape}"
        )
        checks.check_sample_shapes(sample_shape, self.discriminator)
        samples = keras.KerasTensor(sample_shape)
        score_shape = introspection.output_spec(
            self.discriminator,
            samples,
            "discriminator",
            f"the generator's output, shape {sample_shape}",
        )
        checks.check_score_shape(score_shape)
        return sample_shape[1:]

    # ------------------------------------------------ hooks for ConditionalGAN
    # `_generator_inputs` and `_discriminator_inputs` default in `StepHost`.
    def _unpack(self, data):
        """Returns `(samples, labels)` from a batch; labels may be None."""
        x, y, weights = keras.utils.unpack_x_y_sample_weight(data)
        data_checks.check_no_sample_weights(weights)
        return x, y

    # ------------------------------------------------------------ properties
    @property
    def sampling_generator(self):
        """The generator to sample from: the moving average when it is on."""
        return self.generator if self.ema_generator is None else self.ema_generator

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker]
        return trackers + [penalty.tracker for penalty in self.penalties]

    # --------------------------------------------------------------- compile
    def compile(
        self,
        d_optimizer,
        g_optimizer,
        loss="non_saturating",
        *,
        d_steps: int = 1,
        label_smoothing: float = 0.0,
        gradient_penalty: float = 0.0,
        from_logits: bool = True,
        update: str = "alternating",
        reuse_fakes: bool = False,
        augment=None,
        r1_penalty: float = 0.0,
        r2_penalty: float = 0.0,
        penalty_every: int = 1,
        adam_beta_2: float | None = None,
        **kwargs,
    ):
        """Configures the GAN for training.

        Args:
            d_optimizer: the discriminator's Keras optimizer (instance or name).
            g_optimizer: the generator's Keras optimizer, a different object.
            loss: one of `keras_gan.losses.LOSS_NAMES` or a `keras_gan.losses.GANLoss`.
                Defaults to `"non_saturating"`.
            d_steps: discriminator updates per generator update. Defaults to `1`.
            label_smoothing: one-sided label smoothing in [0, 1). Defaults to `0.0`.
            gradient_penalty: weight of the WGAN-GP penalty; 0 turns it off.
                Defaults to `0.0`.
            from_logits: whether the discriminator outputs logits (`False` for a
                discriminator ending in a sigmoid). Defaults to `True`.
            update: `"alternating"`: `d_steps` discriminator updates, then a generator
                update with fresh noise, each network frozen during the other's
                update. `"simultaneous"`: one generator pass feeds both losses and both
                networks update from it (the TensorFlow DCGAN tutorial's step: cheaper,
                one update each, `d_steps` must be 1). Defaults to `"alternating"`.
            reuse_fakes: alternating updates with one generator pass per step: the
                generator update reuses the batch generated for the (last)
                discriminator update, scored by the updated discriminator, instead
                of drawing fresh noise (the PyTorch DCGAN example's step; cheaper).
                Needs `update="alternating"`. Defaults to `False`.
            augment: augmentation of every batch the discriminator sees, real and
                generated, in both updates and inside the gradient penalties:
                `"diffaugment"` (`keras_gan.augmentation.DiffAugment()`), `"ada"`
                (`keras_gan.augmentation.ADA()`, whose probability is logged as
                `augment_p`), a Keras layer or a callable `(images, training) ->
                images` (the `keras.random.SeedGenerator`s it draws from, found in its
                closure, the globals it names or its attributes, become the GAN's, so
                they advance and are saved). Image samples only. Defaults to `None`.
            r1_penalty: weight `gamma` of the R1 penalty `gamma / 2 * E||grad D(real)||^2`
                (`keras_gan.penalties`); 0 turns it off. Defaults to `0.0`.
            r2_penalty: weight of the same penalty on generated samples. Defaults to `0.0`.
            penalty_every: lazy regularization: R1/R2 count on every this many
                discriminator updates, with their weight multiplied by it. Defaults to `1`.
            adam_beta_2: set both optimizers' `beta_2` (Adam's second-moment decay;
                any optimizer with a `beta_2`) to this value, as a variable that
                `gan.adam_beta_2 = value` changes during training without
                recompiling. Defaults to `None` (each optimizer's own, fixed).
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, `run_eagerly`, ...).
        """
        for name in ("optimizer", "metrics", "loss_weights", "weighted_metrics"):
            if name in kwargs:
                raise ValueError(
                    f"Expected `d_optimizer`, `g_optimizer` and `loss` instead of "
                    f"Keras' `{name}` argument. Received: {name}={kwargs[name]!r}"
                )
        config = compile_settings.CompileConfig.checked(
            self,
            d_optimizer=d_optimizer,
            g_optimizer=g_optimizer,
            loss=loss,
            d_steps=d_steps,
            update=update,
            reuse_fakes=reuse_fakes,
            label_smoothing=label_smoothing,
            gradient_penalty=gradient_penalty,
            r1_penalty=r1_penalty,
            r2_penalty=r2_penalty,
            penalty_every=penalty_every,
            from_logits=from_logits,
            augment=augment,
            adam_beta_2=adam_beta_2,
            keras_kwargs=kwargs,
        )
        if kwargs.get("auto_scale_loss", True) and self.dtype_policy.name == "mixed_float16":
            # Keras wraps only its own `self.optimizer`; these two are ours to wrap.
            config = config.replace(
                d_optimizer=_loss_scaled(config.d_optimizer, "d_loss_scale_optimizer"),
                g_optimizer=_loss_scaled(config.g_optimizer, "g_loss_scale_optimizer"),
            )

        # Keras' own optimizer slot presents both optimizers (see OptimizerPair); Keras
        # must not wrap it for loss scaling: each optimizer is wrapped above.
        keras_kwargs = {**kwargs, "auto_scale_loss": False}
        # Set first: Keras resolves `jit_compile="auto"` from every layer's `supports_jit`.
        self.augmenter = config.augment
        super().compile(
            optimizer=OptimizerPair(config.d_optimizer, config.g_optimizer), **keras_kwargs
        )
        self.compile_config = config
        self._unsaved_augment = None
        self._label_smoothing.assign(config.label_smoothing)
        self._r1_penalty.assign(config.r1_penalty)
        self._r2_penalty.assign(config.r2_penalty)
        self.penalties = penalties_module.penalties_from_weights(
            self,
            gradient_penalty=config.gradient_penalty,
            r1_penalty=config.r1_penalty,
            r2_penalty=config.r2_penalty,
            penalty_every=config.penalty_every,
        )
        self._build_optimizers()
        if config.adam_beta_2 is not None:
            self._install_adam_beta_2(config.adam_beta_2)

    def _build_optimizers(self):
        # Built now, eagerly (and under the strategy scope when there is one), so that
        # no optimizer variable is created inside a traced step and saved optimizer
        # state can be loaded into them.
        for optimizer, model in (
            (self.d_optimizer, self.discriminator),
            (self.g_optimizer, self.generator),
        ):
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
        self._compiled_trainable = self._trainable_ids()

    def _trainable_ids(self):
        return tuple(
            tuple(id(v) for v in model.trainable_variables)
            for model in (self.discriminator, self.generator)
        )

    def _assert_gan_compiled(self, method):
        if not getattr(self, "compiled", False) or self.compile_config is None:
            raise ValueError(
                f"Expected `compile(d_optimizer, g_optimizer, ...)` to be called before "
                f"`{method}()`. Received: a GAN that was never compiled"
            )

    def fit(self, *args, **kwargs):
        self._assert_gan_compiled("fit")
        self._check_augment_restored()
        data_checks.check_call_data(self, super().fit, args, kwargs)
        self._check_label_smoothing()
        self._check_trainable()
        callbacks = kwargs.get("callbacks")
        positional = _keras_internals.fit_callbacks_given_positionally(args)
        if not positional and (callbacks is None or isinstance(callbacks, (list, tuple))):
            kwargs["callbacks"] = [*(callbacks or ()), _EpochChecks()]
        return self._checking_recorded_labels(super().fit, args, kwargs)

    def train_on_batch(self, *args, **kwargs):
        self._check_augment_restored()
        return self._checking_recorded_labels(super().train_on_batch, args, kwargs)

    def test_on_batch(self, *args, **kwargs):
        return self._checking_recorded_labels(super().test_on_batch, args, kwargs)

    def _checking_recorded_labels(self, method, args, kwargs, *, trained=True, check_first=True):
        """Runs a Keras `method`, checking the labels its steps recorded before and after.

        A `ConditionalGAN`'s step on JAX records the range of its labels instead of
        failing on a bad one; `_check_recorded_labels` fails on it once the step's state
        is synced. Checking first too fails on labels left from an interrupted call
        before this one runs. `trained` says whether the recorded batches trained.
        """
        if check_first:
            self._check_recorded_labels(trained)
        result = method(*args, **kwargs)
        self._check_recorded_labels(trained)
        return result

    def _check_trainable(self):
        """Checks `trainable` changes since `compile`; a changed one retraces the step."""
        current = self._trainable_ids()
        _check_trainable_since_compile(
            [self.discriminator, self.generator], current, self._compiled_trainable
        )
        if current != getattr(self, "_traced_trainable", current):
            self.train_function = None  # traced with the old variable lists
        self._traced_trainable = current

    def _check_recorded_labels(self, trained=True):
        """Fails on a bad label the step recorded without failing; a `GAN`'s step
        records no labels (`ConditionalGAN` overrides this)."""

    def _check_label_smoothing(self):
        """Checks the smoothing variable, which `.assign()` sets unchecked."""
        checks.check_label_smoothing(
            float(ops.convert_to_numpy(self._label_smoothing)), self.gan_loss
        )

    def evaluate(self, *args, **kwargs):
        self._assert_gan_compiled("evaluate")
        validation_of_fit = _keras_internals.is_fit_validation(kwargs)
        if not validation_of_fit:  # `fit` checked the validation data
            data_checks.check_call_data(self, super().evaluate, args, kwargs)
        return self._checking_recorded_labels(
            super().evaluate, args, kwargs, check_first=not validation_of_fit
        )

    # ------------------------------------------------------------ the model
    def call(self, inputs, training=False):
        """Runs the generator: `gan(z)` returns samples (from the EMA generator if on)."""
        generator = self.generator if training else self.sampling_generator
        return generator(self._call_inputs(inputs), training=training)

    def _call_inputs(self, inputs):
        """The generator's inputs for `gan(inputs)` (`ConditionalGAN` checks and casts)."""
        return inputs

    def _noise(self, batch_size, seed):
        return _per_replica(keras.random.normal, batch_size, (self.latent_dim,), seed)

    def _real_samples(self, data):
        samples, labels = self._unpack(data)
        # Static checks only (structure, dtype, shape): they hold for data that `fit`
        # could not read ahead, such as a Python generator.
        data_checks.check_batch(self, samples, labels)
        return ops.convert_to_tensor(samples), labels

    # ------------------------------------------------------------- sampling
    def sample_noise(self, n: int, seed=None) -> np.ndarray:
        """Returns `n` noise vectors as a NumPy array.

        Args:
            n: number of vectors.
            seed: int for a fixed draw; defaults to `None`, which draws from the
                model's sampling seed (separate from the training noise).
        """
        n = _check_count(n)
        seed = self.sample_seed_generator if seed is None else seed
        return ops.convert_to_numpy(self._noise(n, seed))

    def generate(self, n: int, seed=None, batch_size: int = 256) -> np.ndarray:
        """Returns `n` generated samples as a NumPy array.

        Args:
            n: number of samples.
            seed: int for reproducible samples. Defaults to `None`.
            batch_size: samples per generator call. Defaults to `256`.

        Returns:
            Array of shape `(n,) + sample_shape`.
        """
        noise = self.sample_noise(n, seed)
        return _distribute.predict(self, noise, batch_size)

    # --------------------------------------------------------------- saving
    def save(self, filepath, *args, **kwargs):
        """Saves the GAN as `keras.Model.save` does (see `keras.Model.save`).

        An `augment` that is neither a Keras layer nor registered with
        `keras.saving.register_keras_serializable` is not saved (a warning says so):
        the reloaded GAN refuses to train until compiled again with it.
        """
        augmenter = getattr(self, "augmenter", None)
        if augmenter is not None and not augmentation_module.is_saveable(augmenter):
            warnings.warn(
                f"The augmentation `{augmentation_module.describe(augmenter)}` is not saved "
                "with the GAN: only Keras layers and functions registered with "
                "`@keras.saving.register_keras_serializable()` are. The reloaded GAN "
                "refuses to train until compiled again with `augment=`.",
                stacklevel=2,
            )
        _keras_internals.prime_saving_cache()
        return super().save(filepath, *args, **kwargs)

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Exports the generator that `gan(z)` runs, for serving (`keras.Model.export`).

        The artifact maps noise (and, for a `ConditionalGAN`, labels) to samples, with
        any batch size: the generator alone, the moving average when `ema_decay` is on
        (the discriminator and optimizers are not part of it; a `ConditionalGAN`'s
        SavedModel checks its labels' range).
        `format="tf_saved_model"` works on TensorFlow and JAX (through jax2tf); on
        PyTorch, use `format="torch"` (a `torch.export` `.pt2` file).

        Args:
            filepath: where to write the artifact (ending in `.pt2` for `"torch"`).
            format: a `keras.Model.export` format. Defaults to `"tf_saved_model"`.
            verbose: print a message. Defaults to `None` (Keras' default).
            input_signature: the generator's input specs. Defaults to `None` (its
                declared inputs).
            **kwargs: passed to `keras.Model.export`.

        Example:
        ```python
        gan.export("generator_savedmodel")
        serving = tf.saved_model.load("generator_savedmodel")
        samples = serving.serve(gan.sample_noise(8))
        ```
        """
        generator = self.sampling_generator
        if keras.config.backend() == "torch":
            if format == "tf_saved_model" and not _importable("torch_xla"):
                raise ValueError(
                    "Expected format='torch' (a torch.export .pt2 file) to export on the "
                    "PyTorch backend: Keras' format='tf_saved_model' needs torch_xla there, "
                    "which is not installed. Received: format='tf_saved_model'"
                )
            if format == "torch" and "dynamic_shapes" not in kwargs and input_signature is None:
                import torch

                batch = torch.export.Dim("batch")
                kwargs["dynamic_shapes"] = [
                    (keras.tree.map_structure(lambda _: {0: batch}, generator.input),)
                ]
        return generator.export(
            filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "ema_decay": None,
        }
        # The values now: the variables may have changed since construction (they are
        # saved with the weights too).
        if self._ema_half_life is not None:
            config["ema_half_life"] = hyperparameters.value_of(self._ema_half_life)
            config["ema_rampup"] = self.ema_rampup
        elif self._ema_decay is not None:
            config["ema_decay"] = hyperparameters.value_of(self._ema_decay)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)

    def get_compile_config(self):
        if not getattr(self, "compiled", False) or self.compile_config is None:
            return None
        return self.compile_config.get_config(self)

    def compile_from_config(self, config):
        arguments, unsaved = compile_settings.arguments_from_config(config)
        self.compile(**arguments)
        self._unsaved_augment = unsaved

    def _check_augment_restored(self):
        """Refuses to train a reloaded GAN whose augmentation could not be saved."""
        name = getattr(self, "_unsaved_augment", None)
        if name is not None:
            raise ValueError(
                f"Expected the augmentation this GAN was saved with, `{name}`, before "
                "training: it was not saved (neither a Keras layer nor a registered "
                "function). Received: a GAN reloaded without it. Call "
                f"`compile(..., augment={name})` again, or `augment=None` to train "
                "without augmentation."
            )

    def _seed_states(self):
        """Every SeedGenerator state in the GAN: its noise and the layers' (Dropout)."""
        states, seen = {}, set()
        for layer in _keras_internals.all_layers(self):
            for seed_generator in _keras_internals.seed_generators(layer):
                if id(seed_generator.state) not in seen:
                    seen.add(id(seed_generator.state))
                    states[f"seed_state_{len(states)}"] = seed_generator.state
        return states

    def _transient_variables(self):
        """Own variables that are not saved (`ConditionalGAN`'s label record)."""
        return []

    def _saved_own_variables(self):
        transient = {id(v) for v in self._transient_variables()}
        own = _keras_internals.own_variables(self)
        return [v for v in own if id(v) not in transient]

    def save_own_variables(self, store):
        # Keras saves variables but no SeedGenerator state; without them a reloaded GAN
        # would restart its noise sequence and its Dropout masks.
        for i, variable in enumerate(self._saved_own_variables()):
            store[_keras_internals.own_variable_key(i)] = variable
        for key, state in self._seed_states().items():
            store[key] = state

    def load_own_variables(self, store):
        keys = set(store.keys())
        for i, variable in enumerate(self._saved_own_variables()):
            key = _keras_internals.own_variable_key(i)
            # A file from before a variable existed keeps what construction and
            # `compile` set (`label_smoothing`, the first, is in every file).
            if key in keys:
                variable.assign(store[key])
        for key, state in self._seed_states().items():
            if key in keys:
                state.assign(store[key])


class _EpochChecks(keras.callbacks.Callback):
    """Checks, as each epoch starts, what may have been changed unchecked since, and as
    it ends, the labels the step could not check."""

    def on_epoch_begin(self, epoch, logs=None):
        self.model._check_label_smoothing()

    def on_epoch_end(self, epoch, logs=None):
        self.model._check_recorded_labels()


def _clone(model, name):
    """A copy of `model` with its own variables, equal to `model`'s now."""
    try:
        clone = keras.models.clone_model(model)
    except (ValueError, TypeError, NotImplementedError):
        clone = type(model).from_config(model.get_config())
    if not clone.built:
        clone.build(model.input_shape)
    clone.set_weights(model.get_weights())
    clone.trainable = False
    clone.name = name
    return clone


def _loss_scaled(optimizer, name):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name=name)


def _importable(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _check_count(n):
    if not checks.is_int_at_least(n, 1):
        raise ValueError(f"Expected a positive integer number of samples. Received: n={n!r}")
    return int(n)


# ---------------------------------------- checks with this module as their one caller
def _check_model(model, role):
    """Checks that `model` is a built Keras layer or model."""
    if not isinstance(model, keras.Layer):
        raise ValueError(
            f"Expected `{role}` to be a Keras model. Received: {role}={model!r} "
            f"of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"Expected a built {role}: start it with `keras.Input(...)` or call "
            f"`{role}.build(input_shape)` first. Received: an unbuilt model "
            f"{model.name!r} with no known input shape"
        )


def _check_trainable_since_compile(models, current, compiled):
    """Checks each network trains what its optimizer was built for at `compile`.

    A network frozen whole (`trainable = False`) is allowed, with a warning: it does
    not train. Any other change needs a new `compile`, with fresh optimizers, which
    are built for the variables trainable then.

    Args:
        models: `[discriminator, generator]`.
        current: per model, the ids of its trainable variables now.
        compiled: per model, the ids of its trainable variables at `compile`.
    """
    roles = ("discriminator", "generator")
    for role, model, now, then in zip(roles, models, current, compiled):
        if now and now != then:
            raise ValueError(
                f"Expected the {role}'s trainable variables to be those it had at "
                f"`compile` ({len(then)}): after changing `trainable` on some of its "
                "layers, call compile() again with new optimizers. Received: "
                f"{len(now)} trainable variables in {model.name!r}"
            )
    frozen = [role for role, now in zip(roles, current) if not now]
    if len(frozen) == 2:
        raise ValueError(
            "Expected at least one network to train. Received: the discriminator and "
            "the generator both frozen (trainable=False)"
        )
    if frozen:
        other = roles[1 - roles.index(frozen[0])]
        warnings.warn(
            f"The {frozen[0]} is frozen (it has no trainable variable): only the {other} trains.",
            stacklevel=4,
        )


def _check_latent_dim(generator, latent_dim, expected_inputs):
    """Returns the latent size: `latent_dim`, or the generator's first input size."""
    shapes = introspection.declared_input_shapes(generator)
    if shapes is not None and len(shapes) != expected_inputs:
        what = "one input (noise)" if expected_inputs == 1 else "two inputs [noise, labels]"
        raise ValueError(
            f"Expected the generator to take {what}. Received: input_shape="
            f"{shapes if len(shapes) > 1 else shapes[0]}"
        )
    declared = None
    if shapes is not None:
        noise_shape = shapes[0]
        if len(noise_shape) != 2:
            raise ValueError(
                "Expected the generator's noise input to have shape (batch, latent_dim). "
                f"Received: input_shape={noise_shape}"
            )
        declared = noise_shape[-1]
    if latent_dim is None:
        if declared is None:
            raise ValueError(
                "Expected `latent_dim` when the generator declares no input shape. "
                "Received: latent_dim=None"
            )
        return declared
    latent_dim = checks.check_positive_int(latent_dim, "latent_dim")
    if declared is not None and declared != latent_dim:
        raise ValueError(
            f"Expected `latent_dim` to match the generator's input size {declared}. "
            f"Received: latent_dim={latent_dim}, generator input_shape=(None, {declared})"
        )
    return latent_dim


def _check_ema(ema_decay, ema_half_life, ema_rampup):
    """Checks the moving-average arguments of `GAN`; returns them checked."""
    ema_decay = checks.check_float(ema_decay, "ema_decay", 0, 1, closed="()", optional=True)
    ema_half_life = checks.check_ema_half_life(ema_half_life, optional=True)
    if ema_decay is not None and ema_half_life is not None:
        raise ValueError(
            "Expected either `ema_decay` (a fixed decay per step) or `ema_half_life` (a "
            "decay from the batch size, in images), not both. Received: "
            f"ema_decay={ema_decay}, ema_half_life={ema_half_life}"
        )
    ema_rampup = checks.check_float(
        ema_rampup,
        "ema_rampup",
        0,
        math.inf,
        closed="()",
        optional=True,
        expected="a finite float > 0",
    )
    if ema_rampup is not None and ema_half_life is None:
        raise ValueError(
            "Expected `ema_half_life` with `ema_rampup` (the ramp-up caps the half-life at "
            f"images_seen * ema_rampup). Received: ema_rampup={ema_rampup}, ema_half_life=None"
        )
    return ema_decay, ema_half_life, ema_rampup
