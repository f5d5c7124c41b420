"""The project's apps depend on each other in one direction only.

Every Python file of every project app (migrations and tests aside) is parsed, not imported,
and each import it makes, at module level or inside a function, becomes an edge from its app
to the app it names. ``workflows`` is the engine the case apps build on; ``portal`` holds the
pages that span apps, so nothing but the root URLconf may import it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# Apps that are not Django apps of their own but whose code is part of the project.
EXTRA_APPS = ("benchmarks",)

EXCLUDED = {
    # The command is moving to workflows/, where reaching both case apps is the engine's job;
    # until it has moved it is left out of the graph.
    "transfers/management/commands/process_registry.py",
}

# Besides portal itself, only the root URLconf (config/, not an app) may import portal.
PORTAL = "portal"


def project_apps() -> list[str]:
    apps = [name.split(".")[0] for name in settings.INSTALLED_APPS]
    local = [name for name in apps if (ROOT / name / "__init__.py").is_file()]
    for name in EXTRA_APPS:
        if name not in local and (ROOT / name / "__init__.py").is_file():
            local.append(name)
    return local


def python_files(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts or "tests" in relative.parts:
            continue
        if relative.as_posix() in EXCLUDED:
            continue
        yield path


def imported_modules(path: Path) -> Iterator[tuple[str, int]]:
    """Absolute names of every module the file imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # The package a relative import starts from: the file's own package (for an __init__.py,
    # the package it initialises).
    package = list(path.relative_to(ROOT).parent.parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno


def import_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    apps = project_apps()
    graph: dict[str, set[str]] = {app: set() for app in apps}
    where: dict[tuple[str, str], list[str]] = {}
    for app in apps:
        for path in python_files(app):
            for target, line in imported_modules(path):
                other = target.split(".")[0]
                if other in graph and other != app:
                    graph[app].add(other)
                    where.setdefault((app, other), []).append(f"{path.relative_to(ROOT)}:{line}")
    return graph, where


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of apps (the first repeated at the end), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    stack: list[str] = []

    def visit(app: str) -> list[str] | None:
        colour[app] = GREY
        stack.append(app)
        for other in sorted(graph[app]):
            if colour[other] == GREY:
                return [*stack[stack.index(other) :], other]
            if colour[other] == WHITE and (cycle := visit(other)):
                return cycle
        stack.pop()
        colour[app] = BLACK
        return None

    for app in sorted(graph):
        if colour[app] == WHITE and (cycle := visit(app)):
            return cycle
    return None


def test_the_graph_sees_the_apps_and_their_imports() -> None:
    graph, _where = import_graph()
    assert {"accounts", "workflows", "transfers", "assignments", "audit", "portal", "benchmarks"} <= set(
        graph
    )
    # A sanity check on the parser: the case apps build on the engine.
    assert "workflows" in graph["transfers"] and "workflows" in graph["assignments"]


def test_no_app_imports_portal() -> None:
    graph, where = import_graph()
    offenders = sorted(app for app, targets in graph.items() if PORTAL in targets and app != PORTAL)
    details = "; ".join(f"{app}: {', '.join(where[(app, PORTAL)])}" for app in offenders)
    assert not offenders, f"apps importing portal: {details}"


def test_app_imports_have_no_cycle() -> None:
    graph, where = import_graph()
    cycle = find_cycle(graph)
    if cycle:
        steps = [
            f"{a} -> {b} ({', '.join(where[(a, b)][:3])})" for a, b in zip(cycle, cycle[1:], strict=False)
        ]
        raise AssertionError("import cycle between apps: " + " -> ".join(cycle) + "\n" + "\n".join(steps))


def test_the_engine_imports_no_other_app() -> None:
    graph, where = import_graph()
    details = "; ".join(
        f"{other}: {', '.join(where[('workflows', other)])}" for other in sorted(graph["workflows"])
    )
    assert not graph["workflows"], f"workflows imports other apps: {details}"
