"""The layering, checked over the source: no import cycle between the project's modules (every import counts:
one under `if TYPE_CHECKING:`, made for annotations only, and one inside a function too), and the core imports
nothing above it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "index", "prompts", "ui", "benchmarks")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(source: str, name: str, is_package: bool, known: set[str], type_checking: bool = True) -> set[str]:
    """The project modules `source` (module `name`) imports; with `type_checking` false, at run time only."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node) and not type_checking:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[:len(here) - node.level + 1]
                base = ".".join([*here, base] if base else here)
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    files = {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    known = set(files)
    return {m: imports(p.read_text(encoding="utf-8"), m, p.name == "__init__.py", known) for m, p in files.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            connect(v)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    known = {"a", "a.b", "a.c"}
    assert imports("from a.b import x\nif TYPE_CHECKING:\n    import a.c\n", "a.b", False, known) == {"a.c"}
    assert imports("from a.b import x\nif TYPE_CHECKING:\n    import a.c\n", "a.b", False, known,
                   type_checking=False) == set()
    assert imports("def f():\n    from a import c\n", "a.b", False, known) == {"a.c"}
    assert cycles({"a.b": {"a.c"}, "a.c": {"a.b"}, "a": {"a.b"}}) == [["a.b", "a.c"]]
    assert cycles({"a.b": {"a.c"}, "a.c": set()}) == []


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_core_imports_nothing_above_it() -> None:
    edges = graph()
    for module, targets in edges.items():
        if module.startswith("index"):
            assert not {t for t in targets if not t.startswith("index")}, module
        if module.startswith(("assistant", "prompts")):
            assert not {t for t in targets if t.startswith(("ui", "benchmarks"))}, module


def test_importing_the_package_loads_no_langchain_gradio_or_matplotlib() -> None:
    code = ("import sys; from assistant import Assistant, Answer; "
            "print(sorted(m for m in ('langchain_core', 'gradio', 'matplotlib', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_one_module_does_not_load_the_api() -> None:
    code = "import sys, assistant.errors; print('assistant.api' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_no_test_imports_the_benchmarks() -> None:
    """The tests share fakes and process helpers through tests/support; only tests/benchmarks, which test the
    benchmarks themselves, import them."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if "benchmarks" in path.relative_to(ROOT / "tests").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "benchmarks"]
    assert not offenders, offenders


def test_serving_loads_neither_extra() -> None:
    """The `eval` (matplotlib) and `train` (scikit-learn) extras are not needed to answer: building the
    surfaces and answering a question with the real modules loads neither."""
    code = ("import sys; import assistant.api, assistant.evidence, ui.cli, ui.http_api, ui.app, ui.server; "
            "print(sorted(m for m in ('matplotlib', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
