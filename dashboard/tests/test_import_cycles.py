"""No import cycles: every module of the project is parsed and its imports, those inside functions and under
`if TYPE_CHECKING:` included, must form a graph without loops.

A function-local import hides a cycle from Python but not from this test: modules that need each other share a
lower module instead (enqueueing apart from job bodies, the API's representations apart from its views). Tests are
included (their support modules import each other too); migrations are not (Django loads them by name). A job
named by its dotted path (an RQ job enqueued as a string) is not an import.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "node_modules", "var", "migrations", "__pycache__", ".git"}


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if SKIPPED_DIRS.intersection(parts) or any(part.endswith(".egg-info") for part in parts):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every dotted name the module imports, anywhere in it (`from a import b` yields `a.b`, maybe a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield from (f"{source}.{alias.name}" for alias in node.names)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    def project_module(name: str) -> str | None:
        parts = name.split(".")
        while parts:  # the longest prefix that is a module: `from pkg.mod import func` depends on pkg.mod
            if ".".join(parts) in modules:
                return ".".join(parts)
            parts.pop()
        return None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {project_module(name) for name in imported_names(module, path)}
        graph[module] = {target for target in targets if target is not None and target != module}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only the components of more than one module (the cycles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def shortest_loop(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete loop through the component's first module, to name in the failure."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & members):
            if child == start:
                loop = [node]
                while loop[-1] != start:
                    loop.append(came_from[loop[-1]])
                return [*reversed(loop), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return component


def describe(graph: dict[str, set[str]], cycles: list[list[str]]) -> str:
    return "\n".join(
        f"{len(c)} modules in a cycle: {', '.join(c)}\n  e.g. {' → '.join(shortest_loop(graph, c))}"
        for c in cycles
    )


def test_the_project_has_no_import_cycle() -> None:
    modules = project_modules()
    assert (
        "recordings.sessions.services.sessions" in modules and "webhooks.events" in modules
    )  # the walk found the apps
    graph = import_graph(modules)
    cycles = strongly_connected(graph)
    assert not cycles, "Import cycles:\n" + describe(graph, cycles)


def test_a_loop_through_a_function_local_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "jobs.py").write_text("def run():\n    from app.services import work\n    work()\n")
    (tmp_path / "app" / "services.py").write_text("from . import jobs\n\ndef work():\n    jobs.run\n")
    (tmp_path / "app" / "models.py").write_text("import app.services\n")
    graph = import_graph(project_modules(tmp_path))
    assert graph["app.models"] == {"app.services"}
    cycles = strongly_connected(graph)
    assert cycles == [["app.jobs", "app.services"]]
    assert "app.jobs → app.services → app.jobs" in describe(graph, cycles)
