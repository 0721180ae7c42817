"""Files from others: Keras' safe_mode stays on, and keras_gan never unpickles freely.

The one pickle reader, of torch weight files, resolves only the globals of a state_dict of
tensors (its refusals are tested in tests/metrics/test_torch_checkpoint_safety.py).
"""

import io
import tokenize
from pathlib import Path

import keras
import pytest
from keras import layers
from model_zoo import dense_discriminator

import keras_gan
from keras_gan.saving import load_gan

PACKAGE = Path(keras_gan.__file__).parent
LAMBDA_REFUSED = (
    r"^Requested the deserialization of a `Lambda` layer whose `function` is a Python "
    r"lambda\. This carries a potential risk of arbitrary code execution"
)


def test_a_gan_file_with_a_python_lambda_is_refused(tmp_path):
    noise = keras.Input((4,))
    x = layers.Dense(16, activation="tanh")(noise)
    x = layers.Lambda(lambda t: t * 0.5)(x)  # saved as Python bytecode in config.json
    generator = keras.Model(noise, layers.Reshape((4, 4, 1))(x))
    gan = keras_gan.GAN(generator, dense_discriminator())
    gan.compile("adam", "adam")
    path = tmp_path / "lambda.keras"
    gan.save(path)

    # The generator sits inside the GAN's config: safe_mode reaches it through
    # GAN.from_config.
    with pytest.raises(ValueError, match=LAMBDA_REFUSED):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=LAMBDA_REFUSED):
        load_gan(path)
    # Refused for the lambda alone: the user who trusts the file can opt in.
    assert isinstance(keras.models.load_model(path, safe_mode=False), keras_gan.GAN)


UNSAFE_NAMES = {
    "pickle",
    "cPickle",
    "cloudpickle",
    "dill",
    "marshal",
    "shelve",
    "joblib",
    "enable_unsafe_deserialization",
    "func_load",
}
UNSAFE_CALLS = ("safe_mode=False", "allow_pickle=True", "torch.load")


def _unsafe_uses(source: bytes):
    """Uses of unpickling or unsafe deserialization in Python source.

    Comments and strings (docstrings) are skipped: only code counts.
    """
    skipped = (tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE)
    tokens = tokenize.tokenize(io.BytesIO(source).readline)
    code = [t.string for t in tokens if t.type not in skipped and t.string.strip()]
    found = []
    for i, token in enumerate(code):
        window = "".join(code[i : i + 3])
        if token in UNSAFE_NAMES:
            found.append(token)
        elif window in UNSAFE_CALLS:
            found.append(window)
    return found


def test_the_unsafe_use_finder_finds_them():
    source = b"""
import pickle  # a comment about safe_mode=False is not code
def f(path):
    "allow_pickle=True in a docstring is not code either"
    model = keras.saving.load_model(path, safe_mode=False)
    return np.load(path, allow_pickle=True), torch.load(path)
"""
    assert _unsafe_uses(source) == [
        "pickle",
        "safe_mode=False",
        "allow_pickle=True",
        "torch.load",
    ]


#: The torch weight-file reader: it unpickles through its own `pickle.Unpickler` subclass,
#: whose `find_class` allows a fixed list of globals.
RESTRICTED_UNPICKLER = "metrics/_torch_checkpoint.py"


def test_the_package_never_unpickles_nor_turns_safe_mode_off():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    found = {str(path.relative_to(PACKAGE)): _unsafe_uses(path.read_bytes()) for path in files}
    assert set(found.pop(RESTRICTED_UNPICKLER)) == {"pickle"}
    assert {name: uses for name, uses in found.items() if uses} == {}


def test_the_torch_file_reader_unpickles_only_through_its_restricted_unpickler():
    source = (PACKAGE / RESTRICTED_UNPICKLER).read_text()
    for free_call in ("pickle.load(", "pickle.loads(", "pickle.Unpickler("):
        assert free_call not in source
    assert "class _Unpickler(pickle.Unpickler):" in source
    assert "def find_class(self, module, name):" in source
