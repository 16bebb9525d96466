"""The message catalogs are complete (issue #18): every .po translated with nothing fuzzy, and every msgid the
sources hold today is in the committed .po (a string wrapped after the last extraction fails here).

Areas still being translated are listed in PENDING_AREAS: strict xfails, so the list must shrink as they land.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.tests.i18n_support import (
    BASE_DIR,
    Area,
    areas,
    compile_catalogs,
    extracted_messages,
    overridden_messages,
    po_files,
    po_messages,
    po_problems,
)

# Areas whose catalogs are not complete yet (issue #18 is translated area by area). Remove an entry once its
# test passes: strict xfail makes a finished area fail until it leaves this list.
PENDING_AREAS: set[str] = set()


@pytest.mark.parametrize("po", po_files(), ids=lambda po: str(po.relative_to(BASE_DIR)))
def test_every_message_is_translated_and_none_is_fuzzy(po: object) -> None:
    problems = po_problems(po)  # type: ignore[arg-type]
    assert not problems, "\n".join(problems)


def _area_params() -> list[object]:
    return [
        pytest.param(area, id=area.label, marks=[pytest.mark.xfail(strict=True, reason="being translated")])
        if area.name in PENDING_AREAS
        else pytest.param(area, id=area.label)
        for area in areas()
    ]


@pytest.mark.slow
@pytest.mark.parametrize("area", _area_params())
def test_the_committed_catalogs_hold_every_msgid_of_the_sources(area: Area) -> None:
    missing: list[str] = []
    for relative, messages in extracted_messages(area).items():
        committed = BASE_DIR / relative
        have = po_messages(committed) if committed.exists() else set()
        missing += [f"{relative}: {msgid!r}" for msgid in sorted(messages - have)]
    assert not missing, "msgids missing from the committed .po (run makemessages, translate):\n" + "\n".join(
        missing
    )


def _django_catalogs() -> list[object]:
    return [
        pytest.param(po, id=str(po.relative_to(BASE_DIR)))
        for po in po_files()
        if po.name == "django.po"  # djangojs catalogs are served per package by /jsi18n/, not merged
    ]


@pytest.mark.parametrize("po", _django_catalogs())
def test_no_other_catalog_overrides_a_translation_of_this_one(po: Path) -> None:
    """Django merges every catalog of a language into one (LOCALE_PATHS first, then the apps in INSTALLED_APPS
    order): a msgid another catalog translates differently would silently replace this one's there, so short,
    area-dependent words carry a context (pgettext / {% translate … context … %})."""
    compile_catalogs()
    overridden = overridden_messages(po.with_suffix(".mo"))
    assert not overridden, "\n".join(overridden)
