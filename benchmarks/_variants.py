"""The ways of training one DCGAN that `throughput.py` times, and their shared data.

Each variant object is built once (its own models, same seed), then `run(steps)`
trains `steps` steps and returns `(seconds, steps_timed)`. Nothing here imports a
backend at module level.
"""

import contextlib
import time

import _common

BASES = ("a", "b", "c", "d", "e")
# The mixed-precision rows: the hand-written step and GAN.fit under mixed_bfloat16.
DEFAULT_VARIANTS = (*BASES, "b+bf16", "c+bf16")
DESCRIPTIONS = {
    "a": "classic train_on_batch loop",
    "b": "hand-written step (TF tutorial)",
    "c": "GAN.fit (alternating)",
    "d": "GAN.fit jit_compile + steps_per_execution",
    "e": 'GAN.fit update="simultaneous"',
}
# `+reuse` (GAN.fit alternating variants): compile(reuse_fakes=True).
BASE_DESCRIPTIONS = {
    "tensorflow": "@tf.function, two GradientTapes (TF tutorial)",
    "jax": "jax.jit step: stateless_call + jax.vjp",
    "torch": "eager step, two torch.autograd.grad",
}


PRECISIONS = {"bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
EMA_DECAY = 0.999  # the `ema` option: GAN(..., ema_decay=0.999)
R1_GAMMA = 1.0  # the `r1` option: compile(..., r1_penalty=1.0)
AUGMENT_OPTIONS = {"diffaug": "diffaugment", "ada": "ada"}  # compile(..., augment=...)
RELATIVISTIC_LOSS = "relativistic"  # the `rel` option: compile(..., loss="relativistic")


def parse_variant(spec):
    """`"e+xla+spe8"` -> `("e", {"jit_compile": True, "steps_per_execution": 8})`.

    `bf16` / `fp16` build that variant's models (and compile them) under the
    `mixed_bfloat16` / `mixed_float16` dtype policy; the others keep the global one.
    `ema` (GAN.fit variants) keeps a moving average of the generator's weights.
    `reuse` (c, d) compiles with `reuse_fakes=True`: one generator pass per step.
    `diffaug` / `ada` set `augment="diffaugment"` / `"ada"` and `r1` sets
    `r1_penalty=1.0` (GAN.fit variants). `rel` sets `loss="relativistic"` (GAN.fit
    variants; the others train with "non_saturating").
    """
    base, *options = spec.split("+")
    if base not in BASES:
        raise SystemExit(f"Expected a variant among {BASES}. Received: {spec!r}")
    settings = {}
    if base == "d":
        settings = {"jit_compile": True, "steps_per_execution": 8}
    for option in options:
        if option == "xla":
            settings["jit_compile"] = True
        elif option == "noxla":
            settings["jit_compile"] = False
        elif option.startswith("spe") and option[3:].isdigit():
            settings["steps_per_execution"] = int(option[3:])
        elif option in PRECISIONS:
            settings["dtype_policy"] = PRECISIONS[option]
        elif option == "ema" and base in ("c", "d", "e"):
            settings["ema_decay"] = EMA_DECAY
        elif option == "reuse" and base in ("c", "d"):
            settings["reuse_fakes"] = True
        elif option in AUGMENT_OPTIONS and base in ("c", "d", "e"):
            settings["augment"] = AUGMENT_OPTIONS[option]
        elif option == "r1" and base in ("c", "d", "e"):
            settings["r1_penalty"] = R1_GAMMA
        elif option == "rel" and base in ("c", "d", "e"):
            settings["loss"] = RELATIVISTIC_LOSS
        elif option in ("alt", "concat") and base == "b":
            settings[option] = True
        else:
            raise SystemExit(
                "Expected options xla, noxla, speN, bf16, fp16 (alt, concat for b; ema, "
                f"diffaug, ada, r1, rel for c, d, e; reuse for c, d). Received: {option!r}"
            )
    return base, settings


def describe(spec, backend):
    base, settings = parse_variant(spec)
    text = BASE_DESCRIPTIONS[backend] if base == "b" else DESCRIPTIONS[base]
    if settings.get("alt") or settings.get("concat"):
        text = "hand-written @tf.function step"
    if backend == "torch" and base == "d":
        return "GAN.fit jit_compile=True (torch.compile, static shapes)"
    if backend == "torch" and settings.get("jit_compile"):
        text += " (torch.compile, static shapes)"
    if base == "d" or spec == base:
        return text
    extras = []
    if "jit_compile" in settings:
        extras.append(f"jit_compile={settings['jit_compile']}")
    if "steps_per_execution" in settings:
        extras.append(f"steps_per_execution={settings['steps_per_execution']}")
    if settings.get("alt"):
        extras.append("alternating updates")
    if settings.get("concat"):
        extras.append("D step on concat(real, fake)")
    if "dtype_policy" in settings:
        extras.append(settings["dtype_policy"])
    if "ema_decay" in settings:
        extras.append(f"ema_decay={settings['ema_decay']}")
    if settings.get("reuse_fakes"):
        extras.append("reuse_fakes=True")
    if "augment" in settings:
        extras.append(f"augment={settings['augment']!r}")
    if "r1_penalty" in settings:
        extras.append(f"r1_penalty={settings['r1_penalty']}")
    if "loss" in settings:
        extras.append(f"loss={settings['loss']!r}")
    return f"{text}, {', '.join(extras)}"


# -------------------------------------------------------------------- setup
class Context:
    """What every variant shares: sizes, data, the model factory."""

    def __init__(self, args):
        import keras

        self.args = args
        self.backend = keras.config.backend()
        self.batch_size = args.batch_size
        small = args.tiny or getattr(args, "small_model", False)
        self.model_sizes = _common.SMALL_DCGAN if small else _common.FULL_DCGAN
        self.latent_dim = self.model_sizes["latent_dim"]
        self.pool = _common.synthetic_images(16 * self.batch_size, seed=args.seed)
        self._dataset = None

    def models(self):
        return _common.dcgan_28(**self.model_sizes, seed=self.args.seed)

    def dataset(self):
        """One `tf.data.Dataset` of batches, repeated forever (shared by b and GAN.fit)."""
        if self._dataset is None:
            import tensorflow as tf

            self._dataset = (
                tf.data.Dataset.from_tensor_slices(self.pool)
                .batch(self.batch_size, drop_remainder=True)
                .repeat()
                .prefetch(tf.data.AUTOTUNE)
            )
        return self._dataset

    def real_batch(self, i):
        n = len(self.pool) // self.batch_size
        start = (i % n) * self.batch_size
        return self.pool[start : start + self.batch_size]


def adam():
    import keras

    return keras.optimizers.Adam(1e-4)  # the TF tutorial's optimizer


# ------------------------------------------------------------------ variants
class Classic:
    """(a) The pre-GAN.fit recipe: three `train_on_batch` calls per step."""

    update = "alternating"

    def __init__(self, ctx, settings):
        import keras
        import numpy as np

        self.ctx = ctx
        g, d = ctx.models()
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        d.compile(optimizer=adam(), loss=loss, **settings)
        d.trainable = False
        stacked = keras.Sequential([keras.Input((ctx.latent_dim,)), g, d], name="stacked_gan")
        stacked.compile(optimizer=adam(), loss=loss, **settings)
        self.g, self.d, self.stacked = g, d, stacked
        self.rng = np.random.default_rng(ctx.args.seed)
        self.ones = np.ones((ctx.batch_size, 1), "float32")
        self.zeros = np.zeros((ctx.batch_size, 1), "float32")
        self.step = 0

    def _noise(self):
        return self.rng.standard_normal((self.ctx.batch_size, self.ctx.latent_dim), "float32")

    def run(self, steps):
        start = time.perf_counter()
        for _ in range(steps):
            real = self.ctx.real_batch(self.step)
            fake = self.g.predict_on_batch(self._noise())
            # Keras 3 reads `trainable` when a train function is built, not at compile:
            # toggle it so that each model's train function sees the intended state.
            self.d.trainable = True
            self.d.train_on_batch(real, self.ones)
            self.d.train_on_batch(fake, self.zeros)
            self.d.trainable = False
            self.stacked.train_on_batch(self._noise(), self.ones)
            self.step += 1
        return time.perf_counter() - start, steps


class TutorialTF:
    """(b) on TensorFlow: the DCGAN tutorial's `@tf.function` step, two tapes."""

    update = "simultaneous"

    def __init__(self, ctx, settings):
        import keras
        import tensorflow as tf

        g, d = ctx.models()
        g_opt, d_opt = adam(), adam()
        cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        batch, latent = ctx.batch_size, ctx.latent_dim

        def simultaneous_step(images):
            noise = tf.random.normal([batch, latent])
            with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
                generated_images = g(noise, training=True)
                real_output = d(images, training=True)
                fake_output = d(generated_images, training=True)
                gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
                disc_loss = cross_entropy(tf.ones_like(real_output), real_output) + cross_entropy(
                    tf.zeros_like(fake_output), fake_output
                )
            g_grads = gen_tape.gradient(gen_loss, g.trainable_variables)
            d_grads = disc_tape.gradient(disc_loss, d.trainable_variables)
            g_opt.apply_gradients(zip(g_grads, g.trainable_variables))
            d_opt.apply_gradients(zip(d_grads, d.trainable_variables))
            return gen_loss, disc_loss

        def alternating_step(images):
            # The same work as GAN.fit's default step, written by hand: a D update on
            # the real batch and a fresh fake batch, then a G update with fresh noise.
            # (G's BatchNorm statistics move in the D update here; GAN.fit keeps them.)
            fake = g(tf.random.normal([batch, latent]), training=True)
            with tf.GradientTape() as disc_tape:
                if concat:
                    outputs = d(tf.concat([images, fake], 0), training=True)
                    real_output, fake_output = tf.split(outputs, 2)
                else:
                    real_output = d(images, training=True)
                    fake_output = d(fake, training=True)
                disc_loss = cross_entropy(tf.ones_like(real_output), real_output) + cross_entropy(
                    tf.zeros_like(fake_output), fake_output
                )
            d_grads = disc_tape.gradient(disc_loss, d.trainable_variables)
            d_opt.apply_gradients(zip(d_grads, d.trainable_variables))
            with tf.GradientTape() as gen_tape:
                fake_output = d(g(tf.random.normal([batch, latent]), training=True), training=True)
                gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            g_grads = gen_tape.gradient(gen_loss, g.trainable_variables)
            g_opt.apply_gradients(zip(g_grads, g.trainable_variables))
            return gen_loss, disc_loss

        concat = settings.get("concat", False)
        if settings.get("alt") or concat:
            self.update = "alternating"
        step = alternating_step if self.update == "alternating" else simultaneous_step
        train_step = tf.function(step, jit_compile=bool(settings.get("jit_compile", False)))
        self.train_step = train_step
        self.iterator = iter(ctx.dataset())

    def run(self, steps):
        start = time.perf_counter()
        for _ in range(steps):
            losses = self.train_step(next(self.iterator))
        float(losses[0])  # wait for the last step
        return time.perf_counter() - start, steps


class HandwrittenJax:
    """(b) on JAX: one jitted step over `stateless_call`, like the TF tutorial's."""

    update = "simultaneous"

    def __init__(self, ctx, settings):
        import jax
        import jax.numpy as jnp
        import keras

        self.ctx = ctx
        g, d = ctx.models()
        g_opt, d_opt = adam(), adam()
        g_opt.build(g.trainable_variables)
        d_opt.build(d.trainable_variables)
        cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        batch, latent = ctx.batch_size, ctx.latent_dim

        def losses(trainable, non_trainable, images, noise):
            g_tv, d_tv = trainable
            g_ntv, d_ntv = non_trainable
            fake, g_ntv = g.stateless_call(g_tv, g_ntv, noise, training=True)
            real_out, d_ntv = d.stateless_call(d_tv, d_ntv, images, training=True)
            fake_out, d_ntv = d.stateless_call(d_tv, d_ntv, fake, training=True)
            g_loss = cross_entropy(jnp.ones_like(fake_out), fake_out)
            d_loss = cross_entropy(jnp.ones_like(real_out), real_out) + cross_entropy(
                jnp.zeros_like(fake_out), fake_out
            )
            return (g_loss, d_loss), (g_ntv, d_ntv)

        def train_step(state, images, key):
            (g_tv, d_tv), non_trainable, (g_ov, d_ov) = state
            key, noise_key = jax.random.split(key)
            noise = jax.random.normal(noise_key, (batch, latent))
            (g_loss, d_loss), backward, non_trainable = jax.vjp(
                lambda tv: losses(tv, non_trainable, images, noise), (g_tv, d_tv), has_aux=True
            )
            one, zero = jnp.ones_like(g_loss), jnp.zeros_like(g_loss)
            ((g_grads, _),) = backward((one, zero))  # the "generator tape"
            ((_, d_grads),) = backward((zero, one))  # the "discriminator tape"
            g_tv, g_ov = g_opt.stateless_apply(g_ov, g_grads, g_tv)
            d_tv, d_ov = d_opt.stateless_apply(d_ov, d_grads, d_tv)
            return ((g_tv, d_tv), non_trainable, (g_ov, d_ov)), key, g_loss

        def values(variables):
            return [v.value for v in variables]

        self.state = (
            (values(g.trainable_variables), values(d.trainable_variables)),
            (values(g.non_trainable_variables), values(d.non_trainable_variables)),
            (values(g_opt.variables), values(d_opt.variables)),
        )
        self.key = jax.random.PRNGKey(ctx.args.seed)
        self.train_step = jax.jit(train_step, donate_argnums=(0,))
        self.step = 0

    def run(self, steps):
        start = time.perf_counter()
        for _ in range(steps):
            self.state, self.key, loss = self.train_step(
                self.state, self.ctx.real_batch(self.step), self.key
            )
            self.step += 1
        loss.block_until_ready()
        return time.perf_counter() - start, steps


class HandwrittenTorch:
    """(b) on PyTorch: an eager step with one forward and two `autograd.grad` calls."""

    update = "simultaneous"

    def __init__(self, ctx, settings):
        import keras
        import torch

        self.ctx, self.torch = ctx, torch
        self.g, self.d = ctx.models()
        self.g_opt, self.d_opt = adam(), adam()
        self.g_opt.build(self.g.trainable_variables)
        self.d_opt.build(self.d.trainable_variables)
        self.cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        self.generator = torch.Generator().manual_seed(ctx.args.seed)
        self.step = 0

    def _train_step(self, images):
        torch, g, d, ce = self.torch, self.g, self.d, self.cross_entropy
        noise = torch.randn(
            (self.ctx.batch_size, self.ctx.latent_dim), generator=self.generator
        ).to(images.device)
        generated = g(noise, training=True)
        real_out = d(images, training=True)
        fake_out = d(generated, training=True)
        g_loss = ce(torch.ones_like(fake_out), fake_out)
        d_loss = ce(torch.ones_like(real_out), real_out) + ce(torch.zeros_like(fake_out), fake_out)
        g_vars, d_vars = g.trainable_variables, d.trainable_variables
        g_grads = torch.autograd.grad(g_loss, [v.value for v in g_vars], retain_graph=True)
        d_grads = torch.autograd.grad(d_loss, [v.value for v in d_vars])
        with torch.no_grad():
            self.g_opt.apply(list(g_grads), g_vars)
            self.d_opt.apply(list(d_grads), d_vars)
        return g_loss

    def run(self, steps):
        from keras import ops

        start = time.perf_counter()
        for _ in range(steps):
            loss = self._train_step(ops.convert_to_tensor(self.ctx.real_batch(self.step)))
            self.step += 1
        float(loss.detach().cpu())
        return time.perf_counter() - start, steps


class FitVariant:
    """(c), (d), (e): `GAN.fit` on the shared dataset, timed by a callback.

    Each measurement is one `fit(..., epochs=1)` call of one extra execution plus the
    timed steps; the clock runs from the end of the first execution to the end of the
    last, so the per-call setup (data iterator, callbacks) is not counted. The callback
    reads each execution's losses, which waits for the step (as Keras' progress bar does).
    """

    def __init__(self, ctx, settings, update):
        import keras

        import keras_gan

        self.ctx = ctx
        g, d = ctx.models()
        ema_decay = settings.pop("ema_decay", None)
        self.update = "reuse_fakes" if settings.get("reuse_fakes") else update
        self.gan = keras_gan.GAN(g, d, seed=ctx.args.seed, ema_decay=ema_decay)
        self.steps_per_execution = settings.get("steps_per_execution", 1)
        loss = settings.pop("loss", "non_saturating")
        self.gan.compile(adam(), adam(), loss=loss, update=update, **settings)
        self.timer = _BatchTimer(keras)

    def run(self, steps):
        spe = self.steps_per_execution
        steps = -(-steps // spe) * spe  # a whole number of executions
        self.timer.reset()
        self.gan.fit(
            self._data(),
            steps_per_epoch=steps + spe,
            epochs=1,
            verbose=0,
            shuffle=False,
            callbacks=[self.timer.callback],
        )
        return self.timer.elapsed(), steps

    def _data(self):
        return self.ctx.dataset()


class _BatchTimer:
    def __init__(self, keras):
        timer = self

        class Callback(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if logs:
                    for value in logs.values():  # waits for the step (async backends)
                        keras.ops.convert_to_numpy(value)
                        break
                timer.times.append(time.perf_counter())

        self.callback = Callback()
        self.times = []

    def reset(self):
        self.times = []

    def elapsed(self):
        return self.times[-1] - self.times[0]


def _static_torch_compile():
    """Keeps torch.compile's shapes static (see docs/benchmarks.md, PyTorch notes).

    The discriminator runs on inputs with and without `requires_grad` within one
    step; the recompilation that triggers makes dynamo mark the batch dimension
    dynamic, and inductor then fails in symbolic shape reasoning ("cannot determine
    truth value of Relational"). The batch size is fixed here, so static shapes lose
    nothing.
    """
    import torch._dynamo

    torch._dynamo.config.automatic_dynamic_shapes = False


@contextlib.contextmanager
def _dtype_policy(name):
    """Sets Keras' global dtype policy while a variant's models are built and compiled."""
    import keras

    previous = keras.config.dtype_policy()
    if name is not None:
        keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def make_variant(spec, ctx):
    base, settings = parse_variant(spec)
    with _dtype_policy(settings.pop("dtype_policy", None)):
        return _make_variant(base, settings, ctx)


def _make_variant(base, settings, ctx):
    backend = ctx.backend
    if backend == "torch" and settings.get("steps_per_execution", 1) > 1:
        settings["steps_per_execution"] = 1  # Keras' torch trainer supports 1 only
    if backend == "torch" and settings.get("jit_compile"):
        _static_torch_compile()
    if base == "a":
        return Classic(ctx, settings)
    if base == "b":
        return {"tensorflow": TutorialTF, "jax": HandwrittenJax, "torch": HandwrittenTorch}[
            backend
        ](ctx, settings)
    update = "simultaneous" if base == "e" else "alternating"
    return FitVariant(ctx, settings, update)
