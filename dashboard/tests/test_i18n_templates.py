"""No template writes user-facing English outside {% translate %}/{% blocktranslate %} (issue #18): the text
between tags (and the attributes people read: title, aria-label, placeholder, alt, data-confirm) of every
template, read with Django's own template Lexer.

PENDING_TEMPLATES are those of areas still being translated: strict xfails, so each must leave the list as soon
as it is clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.tests.i18n_support import BASE_DIR, template_files, untranslated_template_text

PENDING_TEMPLATES: set[str] = set()


def _params() -> list[object]:
    params: list[object] = []
    for path in template_files():
        name = str(path.relative_to(BASE_DIR))
        marks = (
            [pytest.mark.xfail(strict=True, reason="being translated")] if name in PENDING_TEMPLATES else []
        )
        params.append(pytest.param(path, id=name, marks=marks))
    return params


@pytest.mark.parametrize("template", _params())
def test_no_english_outside_translation_tags(template: Path) -> None:
    found = untranslated_template_text(template.read_text(encoding="utf-8"))
    assert not found, f"wrap in {{% translate %}}: {found}"


def test_the_pending_list_names_existing_templates() -> None:
    names = {str(path.relative_to(BASE_DIR)) for path in template_files()}
    assert not PENDING_TEMPLATES - names, sorted(PENDING_TEMPLATES - names)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<th>Name</th>", ["Name"]),
        ('<a title="Open the room">x</a>', ["Open the room"]),
        ('{% load i18n %}<th>{% translate "Name" %}</th><a title="{% translate "Open" %}">', []),
        ("{% blocktranslate %}Page {{ n }} of {{ m }}{% endblocktranslate %}", []),
        (
            "{% comment %}Not shown{% endcomment %}<code>room_key</code><script>let x = 'Some text';</script>",
            [],
        ),
        ('<div class="page-login">CNR Console · HLS · MP4 · 25 fps</div>', []),
        ("{{ value }} ms · <b>{{ n }}</b> files", ["files"]),
    ],
)
def test_the_lint_reads_text_and_attributes_and_skips_code(source: str, found: list[str]) -> None:
    assert untranslated_template_text(source) == found
