"""The layering rule of docs/ARCHITECTURE.md, read from the source with `ast` (nothing is imported).

Layers, lowest first: prompts < ingestion < retrieval < services. A module may import its own layer and the ones
below it, never one above: prompts/ imports nothing of ours, ingestion/ only prompts/, retrieval/ ingestion/ and
prompts/, services/ all three. No layer imports the repository's tools (tests/, bench/, deploy/, samples/).

Every import counts, wherever it is written: at module level, inside a function (a lazy import is still a dependency)
and under `if TYPE_CHECKING:` (so is a type). Import-time cycles between our modules fail too; cycles that close only
through lazy or type-only imports are listed in KNOWN_CYCLES, so a new one fails and a removed one asks to be struck.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("prompts", "ingestion", "retrieval", "services")  # lowest first
TOOLS = ("tests", "bench", "deploy", "samples")  # never imported by a layer
KNOWN_CYCLES: list[list[str]] = []


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported: ours, resolved to a module that exists; or the top-level name of a tool
    line: int
    at_import_time: bool  # module level, not under TYPE_CHECKING (what runs when the importing module is imported)


def our_modules(root: Path = REPO) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the four layers."""
    modules = {}
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _resolve(name: str, known: set[str]) -> str | None:
    """The longest known module that `name` names or lies in (`services.answering.events.Token` ->
    `services.answering.events`)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _named(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement loads: `from a.b import c` loads a.b and maybe the module a.b.c."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: from the importing module's package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]


def imports_of(module: str, source: str, known: set[str], is_package: bool = False) -> list[Import]:
    """Every import of ours (or of a tool) in `source`, the module `module`."""
    found: dict[tuple[str, int], Import] = {}

    def visit(node: ast.AST, at_import_time: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name in _named(node, module, is_package):
                target = _resolve(name, known)
                if target is None and name.split(".")[0] in TOOLS:
                    target = name.split(".")[0]
                if target is not None and target != module:
                    found.setdefault((target, node.lineno), Import(module, target, node.lineno, at_import_time))
            return
        if isinstance(node, ast.If) and _is_type_checking(node):
            for statement in node.body:
                visit(statement, False)
            for statement in node.orelse:
                visit(statement, at_import_time)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            at_import_time = False  # runs when called, not when the module is imported
        for child in ast.iter_child_nodes(node):
            visit(child, at_import_time)

    visit(ast.parse(source), True)
    return sorted(found.values(), key=lambda i: (i.line, i.target))


def import_graph(modules: dict[str, Path]) -> list[Import]:
    known = set(modules)
    return [imp for name, path in modules.items()
            for imp in imports_of(name, path.read_text(encoding="utf-8"), known, path.name == "__init__.py")]


def upward(imports: list[Import]) -> list[Import]:
    """The imports that break the rule: a tool, or a layer above the importing module's."""
    rank = {layer: n for n, layer in enumerate(LAYERS)}
    return [i for i in imports if i.target in TOOLS
            or rank[i.target.split(".")[0]] > rank[i.source.split(".")[0]]]


def cycles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each sorted; the groups sorted."""
    edges: dict[str, set[str]] = {}
    for i in imports:
        if i.target not in TOOLS:
            edges.setdefault(i.source, set()).add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)


def _where(i: Import) -> str:
    layer = i.target if i.target in TOOLS else i.target.split(".")[0]
    return f"{our_modules()[i.source].relative_to(REPO)}:{i.line}: {i.source} imports {i.target} ({layer})"


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    return import_graph(our_modules())


def test_no_layer_imports_a_layer_above_it(graph):
    broken = upward(graph)
    assert not broken, "lower layers import higher ones (see docs/ARCHITECTURE.md):\n" + "\n".join(map(_where, broken))


def test_no_import_time_cycles(graph):
    assert cycles([i for i in graph if i.at_import_time]) == []


def test_cycles_through_lazy_or_type_only_imports_are_the_known_ones(graph):
    assert cycles(graph) == KNOWN_CYCLES, "update KNOWN_CYCLES only to remove a cycle, never to add one"


# --- positive controls: the reader sees the imports it must, and the rule catches the imports it must ------------

def test_the_reader_sees_every_layer_and_every_kind_of_import(graph):
    modules = our_modules()
    assert {name.split(".")[0] for name in modules} == set(LAYERS)
    assert {"prompts.harmony", "ingestion.pipeline", "retrieval.search", "services.answering.pipeline"} <= set(modules)
    seen = {(i.source, i.target, i.at_import_time) for i in graph}
    assert {
        ("retrieval.search", "ingestion.index", True),  # from x import a, b
        ("retrieval.search", "prompts.language", True),
        ("services.answering.pipeline", "retrieval.search", True),
        ("services.api.app", "services.api.routes.admin", True),  # from a package import a module
        ("services.components", "ingestion.pipeline", False),  # inside a function
        ("ingestion.e5_folder", "ingestion.st_embedder", False),  # under TYPE_CHECKING
        ("ingestion.partition", "prompts.language", True),
    } <= seen
    assert len(graph) > 100  # ~170 today: a reader that lost most imports would still pass the rule


@pytest.mark.parametrize("module, source, target", [
    ("prompts.fake", "from ingestion.chunk import doc_id\n", "ingestion.chunk"),
    ("prompts.fake", "def f():\n    import retrieval.search\n", "retrieval.search"),
    ("ingestion.fake", "from retrieval import search\n", "retrieval.search"),
    ("ingestion.fake", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from services.schemas import Source\n",
     "services.schemas"),
    ("retrieval.fake", "import services.settings as s\n", "services.settings"),
    ("retrieval.fake", "class A:\n    def m(self):\n        from services import answering\n", "services.answering"),
    ("services.fake", "from tests.conftest import REPO\n", "tests"),
])
def test_a_forbidden_import_is_caught(module, source, target):
    known = set(our_modules()) | {module}
    found = imports_of(module, source, known)
    assert target in {i.target for i in found}
    assert upward(found) == found  # `from services import answering` loads the package services too: both are above


def test_allowed_imports_are_not_flagged():
    known = set(our_modules()) | {"services.fake", "retrieval.fake"}
    assert upward(imports_of("retrieval.fake", "from ingestion.index import get_all\nimport prompts.language\n"
                             "from retrieval.hits import Hit\nimport numpy\n", known)) == []
    assert upward(imports_of("services.fake", "from . import answering\nfrom retrieval.search import Retriever\n",
                             known, is_package=False)) == []


def test_a_cycle_is_found():
    a_b = [Import("services.a", "services.b", 1, True), Import("services.b", "services.a", 1, True),
           Import("services.b", "prompts.schema", 2, True)]
    assert cycles(a_b) == [["services.a", "services.b"]]
