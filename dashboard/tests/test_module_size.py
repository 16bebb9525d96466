"""Every module of the project stays under 600 lines: past that a module holds more than one idea, and the next
reader pays for it. The walk is the import-cycle test's (tests, scripts and benchmarks included; migrations, which
Django writes, and installed packages not)."""

from __future__ import annotations

from pathlib import Path

from dashboard.tests.test_import_cycles import project_modules

MAX_LINES = 600


def too_long(modules: dict[str, Path]) -> dict[str, int]:
    lengths = {name: len(path.read_text().splitlines()) for name, path in modules.items()}
    return {name: length for name, length in sorted(lengths.items()) if length >= MAX_LINES}


def test_every_module_is_under_600_lines() -> None:
    modules = project_modules()
    assert "recordings.sessions.services.orchestrator" in modules  # the walk found the apps
    long_ones = too_long(modules)
    assert not long_ones, f"Modules of {MAX_LINES} lines or more (split them by idea): {long_ones}"


def test_a_long_module_is_named(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "short.py").write_text("x = 1\n" * (MAX_LINES - 1))
    (tmp_path / "app" / "long.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "app" / "migrations").mkdir()
    (tmp_path / "app" / "migrations" / "0001_initial.py").write_text("x = 1\n" * 2000)
    assert too_long(project_modules(tmp_path)) == {"app.long": MAX_LINES}
