"""The package's modules import each other without cycles (lazy imports count)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "alummatch"


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__")
        out[name] = path
    return out


def _graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Edges from each module to the package modules it imports anywhere,
    outside ``if TYPE_CHECKING:`` blocks."""

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                src = node.module or ""
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    src = ".".join(base + ([node.module] if node.module else []))
                names = [src] + [f"{src}.{a.name}" for a in node.names]
            for n in names:
                target = resolve(n) if n.split(".")[0] == "alummatch" else None
                if target and target != mod:
                    graph[mod].add(target)
    return graph


def _cycle(graph: dict[str, set[str]], mods: dict[str, Path]) -> list[str] | None:
    """A cycle through two modules, or through a module and its own package."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        stack.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                loop = stack[stack.index(w) :]
                inits = [m for m in loop if mods[m].name == "__init__.py"]
                files = [m for m in loop if mods[m].name != "__init__.py"]
                # A package __init__ importing its submodules is not a cycle;
                # a submodule importing its package back is.
                if len(files) >= 2 or (inits and files):
                    return [*loop, w]
            elif w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_no_import_cycle() -> None:
    """Data flows one way: no module reaches itself through imports."""
    mods = _modules()
    assert _cycle(_graph(mods), mods) is None


def test_problem_is_a_leaf() -> None:
    """``problem.py`` imports nothing of the package but the errors."""
    mods = _modules()
    assert _graph(mods)["alummatch.problem"] <= {"alummatch.errors"}


def test_the_scan_sees_a_lazy_cycle(tmp_path: Path) -> None:
    """The scan is not blind: a lazy import back into a package is found."""
    mods = {"alummatch.a": tmp_path / "a.py", "alummatch.b": tmp_path / "b.py"}
    mods["alummatch.a"].write_text("import alummatch.b\n")
    mods["alummatch.b"].write_text("def f():\n    from alummatch import a\n")
    assert _cycle(_graph(mods), mods) is not None
