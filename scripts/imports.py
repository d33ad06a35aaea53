"""Print the imports that hide structure: function-local imports outside ``cli/``, and every
cycle between firebreak's modules (counting function-local imports too, since a cycle behind a
local import is still a cycle; imports under ``if TYPE_CHECKING:`` are left out, they never run).

    python scripts/imports.py            # the counts, then each local import and each cycle
    python scripts/imports.py --quiet    # the two counts only

Exit status: 0 when there is no cycle, 1 otherwise. ``cli/`` keeps its local imports on
purpose: ``firebreak --help`` must not load the engine.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"  # --src points elsewhere (an older tree)
PACKAGE = "firebreak"


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(src: Path) -> dict[str, Path]:
    found = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        if "migrations" in path.parts:
            continue  # Alembic loads these by path; they are not part of the import graph
        found[module_name(path, src)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement that runs, and whether it sits inside a function."""

    def walk(node: ast.AST, local: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    yield from walk(other, local)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, local
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from walk(child, inner)

    yield from walk(tree, False)


def targets(
    node: ast.Import | ast.ImportFrom, here: str, is_package: bool, known: dict[str, Path]
) -> set[str]:
    """The firebreak modules an import statement loads."""
    names: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            names.add(alias.name)
    else:
        base = node.module or ""
        if node.level:
            parts = here.split(".")
            anchor = parts if is_package else parts[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            names.add(full if full in known else base)
    return {n for n in names if n in known and n != here}


def graph(known: dict[str, Path]) -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    edges: dict[str, set[str]] = {name: set() for name in known}
    local_imports: list[tuple[str, int, str]] = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        for node, local in imports(tree):
            found = targets(node, name, is_package, known)
            edges[name] |= found
            if local and found and not name.startswith(f"{PACKAGE}.cli"):
                local_imports.append((name, node.lineno, ", ".join(sorted(found))))
    return edges, local_imports


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print the two counts only")
    parser.add_argument("--src", type=Path, default=SRC, help="the folder holding firebreak/")
    args = parser.parse_args()
    known = modules(args.src.resolve())
    edges, local_imports = graph(known)
    found = cycles(edges)
    print(f"function-local imports outside cli/: {len(local_imports)}")
    print(f"import cycles between modules: {len(found)}")
    if not args.quiet:
        for name, line, what in local_imports:
            print(f"  local  {name}:{line} imports {what}")
        for component in found:
            print(f"  cycle  {' <-> '.join(component)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
