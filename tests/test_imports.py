"""The package's import graph: no module imports one that imports it back (directly or
through others), and no module imports the package root ``aligner`` from inside."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "aligner"


def _imports(path: Path) -> set[str]:
    """The ``aligner`` modules a file imports anywhere in it (functions included, and
    ``if TYPE_CHECKING`` blocks too: they are still a dependency of the reader)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "aligner")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "aligner":
                # ``from aligner import x``: a module when aligner/x.py exists, else the root
                for alias in node.names:
                    sub = PACKAGE / f"{alias.name}.py"
                    found.add(f"aligner.{alias.name}" if sub.exists() else "aligner")
            elif node.module.startswith("aligner."):
                found.add(node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(PACKAGE.glob("*.py")):
        name = "aligner" if path.stem == "__init__" else f"aligner.{path.stem}"
        graph[name] = _imports(path) - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that starts and ends on the same module, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_read_from_the_sources() -> None:
    graph = import_graph()
    assert "aligner.pipeline" in graph and "aligner.corpus" in graph
    assert "aligner.errors" in graph["aligner.corpus"]
    assert "aligner.corpus" in graph["aligner.pipeline"]


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycle() -> None:
    cycle = _cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_imports_the_package_root() -> None:
    graph = import_graph()
    back = sorted(name for name, deps in graph.items() if name != "aligner" and "aligner" in deps)
    assert not back, f"these modules import the package root: {back}"
