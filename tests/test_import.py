"""The public surface of API.md is importable from the top-level package."""

import keras_gan


def test_public_names():
    for name in keras_gan.__all__:
        assert getattr(keras_gan, name) is not None
    assert {"GAN", "ConditionalGAN", "losses", "recipes"} <= set(keras_gan.__all__)
    assert {"Minimax", "NonSaturating", "Wasserstein", "Hinge", "LeastSquares"} <= set(
        keras_gan.losses.__all__
    )
    assert keras_gan.__version__


def test_api_md_names():
    """The names ../shared/API.md fixes are importable where it says."""
    from keras_gan.callbacks import GANCheckpoint  # noqa: F401
    from keras_gan.callbacks import ImageGrid  # noqa: F401
    from keras_gan.callbacks import LabelSmoothingScheduler  # noqa: F401
    from keras_gan.metrics import ClassifierScore  # noqa: F401
    from keras_gan.metrics import FrechetDistance  # noqa: F401
    from keras_gan.metrics import KernelDistance  # noqa: F401

    assert callable(GANCheckpoint.latest)
    assert {"GANCheckpoint", "ImageGrid", "LabelSmoothingScheduler"} <= set(
        keras_gan.callbacks.__all__
    )


def test_recipes_after_import_keras_gan():
    """API.md: `keras_gan.recipes` is reachable after a bare `import keras_gan`.

    Asked of the package's own lookup: another test's `import keras_gan.recipes` would
    set the attribute anyway.
    """
    recipes = keras_gan.__getattr__("recipes")
    assert callable(recipes.r3gan) and callable(recipes.dcgan)
    assert "recipes" in dir(keras_gan)


def _import_graph():
    """keras_gan's modules, each with the keras_gan modules its source imports.

    Imports inside functions count. `from package import name` is an edge to the
    submodule `package.name` when there is one, else to the package; a module's own
    parent packages, which Python imports first anyway, are no edge.
    """
    import ast
    import pathlib

    root = pathlib.Path(keras_gan.__file__).parent.parent
    modules = {}
    for path in (root / "keras_gan").rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in modules else node.module)
        graph[name] = {
            t for t in targets if t in modules and t != name and not name.startswith(t + ".")
        }
    return graph


def _cycles(graph):
    """Each edge `a -> b` from which `a` can be reached again, as `(a, b)`."""

    def reachable(start):
        seen, stack = set(), [start]
        while stack:
            for target in graph[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    return sorted((a, b) for a in graph for b in graph[a] if a in reachable(b))


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [("a", "b"), ("b", "c"), ("c", "a")]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_import_graph_has_no_cycle():
    """No keras_gan module imports one that imports it back (at any depth)."""
    graph = _import_graph()
    assert {"keras_gan.gan", "keras_gan.callbacks.image_grid"} <= set(graph)
    assert "keras_gan.gan" in graph["keras_gan.conditional_gan"]  # edges are read
    assert _cycles(graph) == []
