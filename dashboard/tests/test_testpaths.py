"""Every top-level package with tests is collected: a new app left out of pytest's testpaths would never run."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings


def test_every_package_with_tests_is_in_pytests_testpaths() -> None:
    root = Path(settings.BASE_DIR)
    testpaths = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    )
    with_tests = {path.parent.parent.name for path in root.glob("*/tests/__init__.py")}
    assert {"dashboard", "lifecycle"} <= with_tests, f"the walk is wrong: {sorted(with_tests)}"
    assert with_tests <= testpaths, f"not collected by make test: {sorted(with_tests - testpaths)}"
