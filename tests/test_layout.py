"""The layout's rules, checked on the source: the library imports none of the app's frameworks
nor the command line, nothing in vae_core imports ui, and no module imports itself in a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules() -> dict[str, Path]:
    files = [*ROOT.glob("vae_core/**/*.py"), *ROOT.glob("ui/**/*.py")]
    return {".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): f for f in files}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules that ``name`` imports anywhere in its file (lazy imports count too)."""
    out: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out |= {m for m in [mod, *(f"{mod}.{a.name}" for a in node.names)] if m in modules}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
    out.discard(name)
    return out


def test_import_vae_core_loads_no_app_framework_and_no_command_line():
    code = (
        "import sys, vae_core; print(sorted({m.split('.')[0] for m in sys.modules "
        "if m.split('.')[0] in ('streamlit', 'plotly', 'ui')} "
        "| {m for m in sys.modules if m.startswith('vae_core.cli')}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_library_never_imports_the_app():
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("vae_core"):
            bad = {m for m in _imports(name, path, modules) if m.startswith("ui")}
            assert not bad, f"{name} imports {bad}"
            text = path.read_text()
            assert "import streamlit" not in text and "import plotly" not in text, name


def test_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}

    def is_package_edge(a: str, b: str) -> bool:  # a package re-exporting its own submodule
        return b.startswith(a + ".") or a.startswith(b + ".")

    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                if not all(is_package_edge(x, y) for x, y in zip(cycle, cycle[1:])):
                    cycles.append(" -> ".join(cycle))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
    # the check can fail: the command line imports the benchmarks, which must not import it back
    assert "vae_core.cli.bench" in graph["vae_core.cli.main"]
    assert "vae_core.cli.main" not in graph["vae_core.cli.bench"]
