"""Count the checking code of keras_gan (issue #28, item 3).

Counts, from the AST of ``keras_gan/**/*.py``, the lines of every function whose
name starts with ``check``/``_check``/``validate``/``_validate``
(``end_lineno - lineno + 1``), and lists the functions of ``keras_gan/checks.py``
that are called from one module only.

    python benchmarks/check_lines.py [--per-function]
"""

import ast
import pathlib
import sys
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "keras_gan"
PREFIXES = ("check", "_check", "validate", "_validate")


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def check_functions():
    """(path, name, lines) of every check/validate function in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in _functions(tree):
            if node.name.startswith(PREFIXES):
                lines = node.end_lineno - node.lineno + 1
                found.append((path.relative_to(ROOT), node.name, lines))
    return found


def callers_of_checks_module():
    """{function of checks.py: set of modules (other than checks.py) naming it}."""
    checks = PACKAGE / "checks.py"
    tree = ast.parse(checks.read_text())
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    callers = defaultdict(set)
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Name):
                name = node.id
            elif isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.alias):
                name = node.name
            if name in names:
                module = str(path.relative_to(ROOT))
                if path == checks:
                    # A use inside checks.py by another function of checks.py.
                    module = "keras_gan/checks.py"
                callers[name].add(module)
    # A function only defined (its def is no ast.Name) has no entry: no caller.
    return {name: callers.get(name, set()) for name in sorted(names)}


def main(argv):
    found = check_functions()
    total = sum(lines for _, _, lines in found)
    if "--per-function" in argv:
        for path, name, lines in sorted(found, key=lambda item: -item[2]):
            print(f"{lines:5d}  {path}:{name}")
    per_module = defaultdict(int)
    for path, _, lines in found:
        per_module[str(path)] += lines
    for module, lines in sorted(per_module.items(), key=lambda item: -item[1]):
        print(f"{lines:5d}  {module}")
    print(f"{total:5d}  total lines in {len(found)} check*/validate* functions")
    single = {
        name: modules for name, modules in callers_of_checks_module().items() if len(modules) <= 1
    }
    print(f"\n{len(single)} functions of keras_gan/checks.py used by one module:")
    for name, modules in single.items():
        print(f"  {name}: {', '.join(sorted(modules)) or '(none)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
