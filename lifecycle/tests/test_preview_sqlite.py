"""The retention preview on the demo's SQLite (`make demo` runs on it, and the Storage page showed a server error
there): test_preview_sql.py — the database preview against the row-by-row reference, every policy at once, the
Storage page's figures following a hold — run again in a subprocess whose database is a SQLite file, the way
`make demo` configures one (no DATABASE_URL: the embedded default under CNR_VAR_DIR)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
LEG = "CNR_PREVIEW_SQLITE_LEG"  # set in the subprocess only: the leg's own check runs there, nowhere else


@pytest.mark.skipif(not os.environ.get(LEG), reason="the SQLite leg's own check (runs in its subprocess)")
@pytest.mark.django_db
def test_the_leg_runs_on_sqlite() -> None:
    assert connection.vendor == "sqlite"


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get(LEG)), reason="already the SQLite leg")
def test_on_sqlite_the_preview_agrees_with_the_row_by_row_reference(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER"}}
    env.update(CNR_VAR_DIR=str(tmp_path), LOG_LEVEL="WARNING", **{LEG: "1"})
    here = Path(__file__).relative_to(BASE_DIR)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            str(here.with_name("test_preview_sql.py")),
            f"{here}::test_the_leg_runs_on_sqlite",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    # Every test ran (none skipped or deselected), the SQLite check among them.
    assert passed and int(passed.group(1)) >= 5 and "skipped" not in summary, summary
