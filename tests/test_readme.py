"""Every ```python block of README.md runs as written, in order, in one namespace.

The blocks build on each other (`gan` from "Use it in your project" is trained by the
callbacks example, ...), so one test runs them all in README order, in a temporary working
directory, on the backend of the environment (`KERAS_BACKEND`). What the README source
says, in HTML comments (invisible when rendered) on the line before a block:

- `<!-- not-tested: REASON -->`: the block is not run (several machines, ...).
- `<!-- backends: NAME ... (REASON) -->`: run only on those backends.

The only changes made to a block before it runs, so that it trains briefly: an integer
`epochs=N` or `epochs = N` becomes 1, `every_n_epochs=N` becomes 1, and
`load_digits("train")` keeps the first 64 digits (`max_samples=64`). The test also
writes the folder `faces/` (four 16x16 PNG files) that the `image_folder` example reads.
```bash blocks are not run: they install packages, start long training runs or need
several machines; `keras-gan train --help` is covered by tests/test_cli.py.
"""

import pathlib
import re
import textwrap

import keras
import numpy as np

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>\w*)\s*$")
_MARKER = re.compile(r"^\s*<!--\s*(?P<kind>not-tested|backends):\s*(?P<text>.*?)\s*-->\s*$")
_EPOCHS = re.compile(r"\b(?P<name>epochs|every_n_epochs)(?P<eq>\s*=\s*)\d[\d_]*\b")
_TRAIN_DIGITS = 'load_digits("train")'


def readme_blocks(text):
    """The ```python blocks of `text`, each as a dict.

    Keys: `line` (1-based line of the opening fence), `source` (dedented), `not_tested`
    (the reason, or None) and `backends` (a set of names, or None for every backend).
    """
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence or not fence["lang"]:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not _FENCE.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"README.md line {i + 1}: the code block is never closed")
        if fence["lang"] == "python":
            block = {"line": i + 1, "not_tested": None, "backends": None}
            block["source"] = textwrap.dedent("\n".join(lines[i + 1 : end]))
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            marker = _MARKER.match(lines[j]) if j >= 0 else None
            if marker and marker["kind"] == "not-tested":
                block["not_tested"] = marker["text"]
            elif marker:
                block["backends"] = set(marker["text"].split("(")[0].split())
            blocks.append(block)
        i = end + 1
    return blocks


def shrink(source):
    """`source` made to train briefly: the substitutions the module docstring lists."""
    source = source.replace(_TRAIN_DIGITS, 'load_digits("train", max_samples=64)')
    return _EPOCHS.sub(lambda m: f"{m['name']}{m['eq']}1", source)


def test_block_reader():
    text = (
        "x\n```bash\nls\n```\n<!-- not-tested: needs two machines -->\n\n```python\na = 1\n```\n"
        "- item\n  <!-- backends: tensorflow jax (why) -->\n  ```python\n  b = 2\n  ```\n"
        "```python\nfit(epochs=20, every_n_epochs=5, initial_epoch=3, epochs_x=2)\n```\n"
    )
    blocks = readme_blocks(text)
    assert [b["line"] for b in blocks] == [7, 12, 15]
    assert blocks[0]["not_tested"] == "needs two machines" and blocks[0]["backends"] is None
    assert blocks[1]["backends"] == {"tensorflow", "jax"} and blocks[1]["source"] == "b = 2"
    assert blocks[2]["not_tested"] is None and blocks[2]["backends"] is None
    assert shrink(blocks[2]["source"]) == (
        "fit(epochs=1, every_n_epochs=1, initial_epoch=3, epochs_x=2)"
    )
    assert shrink('epochs = 1_000\nx = load_digits("train")') == (
        'epochs = 1\nx = load_digits("train", max_samples=64)'
    )


def test_readme_markers():
    """Few blocks are left out, each with a reason; backends are ones Keras knows."""
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    not_tested = [b for b in blocks if b["not_tested"] is not None]
    assert len(not_tested) <= 3, [b["line"] for b in not_tested]
    assert all(b["not_tested"] for b in not_tested)
    for block in blocks:
        assert (block["backends"] or set()) <= {"tensorflow", "jax", "torch"}, block["line"]


def _write_faces(folder):
    from PIL import Image

    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        pixels = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"face_{i}.png")


def test_readme_python_blocks(tmp_path, monkeypatch):
    backend = keras.config.backend()
    monkeypatch.chdir(tmp_path)
    _write_faces(tmp_path / "faces")
    keras.utils.set_random_seed(0)
    namespace = {"__name__": "readme"}
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    assert _TRAIN_DIGITS in blocks[0]["source"]  # the substitution still applies
    ran = 0
    for block in blocks:
        if block["not_tested"] is not None:
            continue
        if block["backends"] is not None and backend not in block["backends"]:
            continue
        code = compile(shrink(block["source"]), f"README.md:{block['line']}", "exec")
        try:
            exec(code, namespace)
        except Exception as error:
            raise AssertionError(
                f"The README.md block at line {block['line']} fails on {backend}: {error!r}"
            ) from error
        ran += 1
    assert ran >= 6
