"""The layering rules, read off every module's imports with `ast` (imports inside functions too).

Data flows one way, graph -> compiler -> instructions -> chip -> runtime: `chip/` imports nothing
from `compiler/` or `runtime/`, and `compiler/` nothing from `runtime/` or the RTL
(`chip.hdl`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package -> the module prefixes its files must not import
FORBIDDEN = {
    "chip": ("compiler", "runtime"),
    "compiler": ("runtime", "chip.hdl"),
}


def imported_modules(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the file at ``path`` (module ``package``'s
    file), relative imports resolved, ``from a import b`` giving both ``a`` and ``a.b``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return out


def violations(top: str, forbidden: tuple[str, ...]) -> list[str]:
    """One line per forbidden import in the package ``top``: file, line and module."""
    found = []
    for path in sorted((ROOT / top).rglob("*.py")):
        rel = path.relative_to(ROOT)
        parts = list(rel.with_suffix("").parts)
        package = ".".join(parts[:-1])  # a module's package; an __init__'s is its own
        for line, module in imported_modules(path, package):
            for bad in forbidden:
                if module == bad or module.startswith(bad + "."):
                    found.append(f"{rel}:{line} imports {module} ({top}/ must not import {bad})")
                    break
    return found


@pytest.mark.parametrize("top", sorted(FORBIDDEN))
def test_layers_import_only_downwards(top: str) -> None:
    bad = violations(top, FORBIDDEN[top])
    assert not bad, "\n".join(bad)


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        "import os\n"
        "def g():\n"
        "    from runtime.report import RunReport\n"
        "    from .. import hdl\n"
        "    import compiler.ir as ir\n"
    )
    got = imported_modules(f, "chip.machine")
    assert (3, "runtime.report") in got
    assert (4, "chip.hdl") in got
    assert (5, "compiler.ir") in got
    assert (1, "os") in got
