"""The shape of the house: `kp_dash.store` (files in, database out) ← `kp_dash.numbers` (questions
answered) ← `kp_dash.views` (how answers look) ← `kp_dash.cli`. Imports run one way only, there are
no cycles, only `views` imports streamlit, and no module is too long to read in one sitting.

The imports are read from the source with `ast` (those inside functions too), so a late import
cannot hide an upward dependency."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "kp_dash"
LAYERS = {"store": 0, "numbers": 1, "views": 2}
TOP = 3  # kp_dash.cli, kp_dash.__main__: may use all three
MAX_LINES = 500


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, known: set[str]) -> tuple[set[str], bool]:
    """The kp_dash modules a module imports (a name imported from a package counts as that
    module when it is one) and whether it imports streamlit."""
    found: set[str] = set()
    streamlit = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                streamlit |= alias.name.split(".")[0] == "streamlit"
                if alias.name in known:
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            streamlit |= node.module.split(".")[0] == "streamlit"
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if candidate in known:
                    found.add(candidate)
                elif node.module in known:
                    found.add(node.module)
    return found, streamlit


def import_graph(package: Path = PACKAGE) -> tuple[dict[str, set[str]], set[str]]:
    """Each module's kp_dash imports (itself and its own package left out), and the modules that
    import streamlit."""
    paths = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    streamlit: set[str] = set()
    for name, path in paths.items():
        found, uses_streamlit = imported(ast.parse(path.read_text()), set(paths))
        # `from kp_dash.store import db` names the package too: only modules count
        graph[name] = {m for m in found if m != name and not _is_package(m, paths)}
        if uses_streamlit:
            streamlit.add(name)
    return graph, streamlit


def _is_package(name: str, paths: Mapping[str, Path]) -> bool:
    return paths[name].name == "__init__.py"


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], TOP) if len(parts) > 1 else TOP


def upward_imports(graph: Mapping[str, Iterable[str]]) -> list[str]:
    return sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        for target in targets
        if layer(target) > layer(module)
    )


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


# --- the checker itself, on made-up graphs -------------------------------------------------------


def test_the_checker_finds_an_upward_import_and_a_cycle() -> None:
    graph = {
        "kp_dash.store.ingest": {"kp_dash.numbers.metrics"},  # upward
        "kp_dash.numbers.metrics": {"kp_dash.numbers.analysis", "kp_dash.store.db"},
        "kp_dash.numbers.analysis": {"kp_dash.numbers.metrics"},  # cycle with metrics
        "kp_dash.views.ui": {"kp_dash.numbers.metrics", "kp_dash.store.db"},
        "kp_dash.cli": {"kp_dash.views.ui"},
        "kp_dash.store.db": set(),
    }
    assert upward_imports(graph) == ["kp_dash.store.ingest → kp_dash.numbers.metrics"]
    assert cycles(graph) == [["kp_dash.numbers.analysis", "kp_dash.numbers.metrics"]]


def test_the_checker_reads_late_imports_and_names_imported_from_packages(tmp_path: Path) -> None:
    package = tmp_path / "kp_dash"
    for folder in ("store", "views"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "store" / "db.py").write_text(
        "def f():\n    from kp_dash.views import ui\n    return ui\n"
    )
    ui = "import streamlit as st\nfrom kp_dash.store import db\n"
    (package / "views" / "ui.py").write_text(ui)
    graph, streamlit = import_graph(package)
    assert graph["kp_dash.store.db"] == {"kp_dash.views.ui"}
    assert graph["kp_dash.views.ui"] == {"kp_dash.store.db"}
    assert streamlit == {"kp_dash.views.ui"}
    assert upward_imports(graph) == ["kp_dash.store.db → kp_dash.views.ui"]


# --- the house as built ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph_and_streamlit() -> tuple[dict[str, set[str]], set[str]]:
    return import_graph()


def test_every_module_lives_in_one_of_the_three_packages() -> None:
    loose = sorted(
        module_name(p)
        for p in PACKAGE.glob("*.py")
        if p.stem not in ("__init__", "__main__", "cli")
    )
    assert loose == []


def test_imports_run_one_way_only(graph_and_streamlit) -> None:
    graph, _ = graph_and_streamlit
    assert upward_imports(graph) == []


def test_there_is_no_import_cycle(graph_and_streamlit) -> None:
    graph, _ = graph_and_streamlit
    assert cycles(graph) == []


def test_only_views_import_streamlit(graph_and_streamlit) -> None:
    _, streamlit = graph_and_streamlit
    assert {m for m in streamlit if layer(m) != LAYERS["views"]} == set()


def test_no_module_is_too_long_to_read_in_one_sitting() -> None:
    long = {
        module_name(p): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


SQL = re.compile(r"\bselect\b[\s\S]+\bfrom\b|\bcreate\s+(or\s+replace\s+)?(table|view)\b", re.I)


def sql_strings(tree: ast.AST) -> list[str]:
    """The string literals of a module that are SQL statements."""
    texts = (n.value for n in ast.walk(tree) if isinstance(n, ast.Constant))
    return [t for t in texts if isinstance(t, str) and SQL.search(t)]


def test_the_sql_finder_sees_a_query_and_not_a_sentence() -> None:
    tree = ast.parse('Q = """select n\\nfrom targets"""\nS = "Choose one from the list."')
    assert sql_strings(tree) == ["select n\nfrom targets"]


def test_no_sql_is_written_in_views() -> None:
    """Queries live with the questions they answer (`numbers`) or the files they read (`store`);
    `views` only shapes the answers (`cached` builds no SQL of its own but a table's name)."""
    written = {
        module_name(p): found
        for p in sorted((PACKAGE / "views").glob("*.py"))
        if (found := sql_strings(ast.parse(p.read_text(encoding="utf-8"))))
    }
    assert written == {}


def reached_internals(tree: ast.AST, known: set[str]) -> list[str]:
    """`module._name` and `from module import _name` for kp_dash modules: one module reaching
    into another's internals, which says the two are one idea split in two."""
    aliases = {
        (alias.asname or alias.name.split(".")[-1]): f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if f"{node.module}.{alias.name}" in known
    }
    found = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in known
        for alias in node.names
        if alias.name.startswith("_")
    ]
    found += [
        f"{aliases[node.value.id]}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]
    return found


def test_the_internals_finder_sees_both_ways_in() -> None:
    known = {"kp_dash.store.cells", "kp_dash.store"}
    source = "from kp_dash.store import cells\nfrom kp_dash.store.cells import _hidden\ncells._x()"
    found = reached_internals(ast.parse(source), known)
    assert sorted(found) == ["kp_dash.store.cells._hidden", "kp_dash.store.cells._x"]


def test_no_module_reaches_into_another_modules_internals() -> None:
    paths = list(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in paths}
    reached = {
        module_name(p): found
        for p in sorted(paths)
        if (found := reached_internals(ast.parse(p.read_text(encoding="utf-8")), known))
    }
    assert reached == {}
