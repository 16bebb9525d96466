"""Tools of the translation checks (issue #18): the message catalogs of the repository, what `makemessages` would
extract from the sources, and where a rendered page or a template still speaks English.

The catalogs follow /docs/glossary-zh.md's conventions: one .po per area, each `locale/` dir holding the msgids of
the sources under its parent directory (the root `locale/` holds templates/ and static/js/).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LOCALE = "zh_Hans"
SKIPPED_DIRS = {".venv", "node_modules", "var", ".git", "__pycache__", ".mypy_cache", ".ruff_cache"}


# --- catalogs ----------------------------------------------------------------------------------------------


def po_files() -> list[Path]:
    """Every .po file of the repository (not the virtualenv's or node's)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        found += [Path(root) / name for name in sorted(files) if name.endswith(".po")]
    return found


def po_problems(po: Path) -> list[str]:
    """Why `po` is not complete: msgfmt's complaints, untranslated or fuzzy messages (a fuzzy header too)."""
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [line for line in done.stderr.splitlines() if line.strip()]
    statistics = [line for line in problems if "translated message" in line]
    if done.returncode != 0:
        return problems
    if statistics and re.fullmatch(r"\d+ translated messages?\.", statistics[-1].strip()):
        problems = [line for line in problems if line not in statistics]
    if re.search(r"^#,.*\bfuzzy\b", po.read_text(encoding="utf-8"), flags=re.MULTILINE):
        problems.append("a fuzzy entry (or the header makemessages writes as fuzzy)")
    return problems


def po_messages(po: Path) -> set[str]:
    """The msgids of a .po (msgctxt-qualified as "context\\x04msgid"), the header's empty msgid left out."""
    text = po.read_text(encoding="utf-8")
    messages: set[str] = set()
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        context = _field(lines, "msgctxt")
        msgid = _field(lines, "msgid")
        if msgid:
            messages.add(f"{context}\x04{msgid}" if context is not None else msgid)
    return messages


def _field(lines: list[str], name: str) -> str | None:
    value: list[str] | None = None
    for line in lines:
        if line.startswith(name + " "):
            value = [line[len(name) + 1 :]]
        elif value is not None and line.startswith('"'):
            value.append(line)
        elif value is not None:
            break
    if value is None:
        return None
    return "".join(_unquote(part.strip()) for part in value)


def _unquote(quoted: str) -> str:
    body = quoted[1:-1]
    return re.sub(
        r'\\(["\\ntr])', lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), body
    )


@dataclass(frozen=True)
class Area:
    """Sources whose msgids land in the locale/ dirs under `name` (a directory of the repository; "" = root)."""

    name: str
    copy: tuple[str, ...]  # what to copy into the scratch tree, relative to BASE_DIR

    @property
    def label(self) -> str:
        return self.name or "templates+static/js (root locale/)"


def areas() -> list[Area]:
    """The root (templates/, static/js/) and every first-level package with Python or templates to translate."""
    found = [Area("", ("templates", "static/js"))]
    for path in sorted(BASE_DIR.iterdir()):
        if path.name in SKIPPED_DIRS or path.name.startswith(".") or not (path / "apps.py").exists():
            continue
        found.append(Area(path.name, (path.name,)))
    return found


def extracted_messages(area: Area, domains: Iterable[str] = ("django", "djangojs")) -> dict[str, set[str]]:
    """What `django-admin makemessages -l zh_Hans` finds in the area's sources today, per .po path (relative to
    BASE_DIR): run on a scratch copy, so the repository's catalogs are never touched."""
    with tempfile.TemporaryDirectory(prefix="cnr-makemessages-") as scratch:
        tree = Path(scratch)
        for part in area.copy:
            source = BASE_DIR / part
            shutil.copytree(source, tree / part, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
        base = tree / area.name if area.name else tree
        (base / "locale").mkdir(exist_ok=True)
        # Without DJANGO_SETTINGS_MODULE: makemessages would otherwise also write to settings.LOCALE_PATHS,
        # i.e. into the repository's own root locale/.
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
        for domain in domains:
            subprocess.run(
                [sys.executable, "-m", "django", "makemessages", "-l", LOCALE, "-d", domain, "--no-location"],
                cwd=base,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        return {
            str(po.relative_to(tree)): po_messages(po) for po in sorted(tree.rglob("*.po")) if po_messages(po)
        }


def compile_catalogs() -> None:
    """Compile each .po whose .mo is missing or older (atomically: parallel test workers may race). A .po that
    does not compile, or a machine without msgfmt, is left to test_i18n_catalogs.py to report."""
    if shutil.which("msgfmt") is None:
        return
    for po in po_files():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        handle, partial = tempfile.mkstemp(dir=po.parent, suffix=".mo.partial")
        os.close(handle)
        done = subprocess.run(["msgfmt", "-o", partial, str(po)], capture_output=True, check=False)
        if done.returncode == 0:
            os.chmod(partial, 0o644)  # mkstemp's 0600 would hide it from a server running as another user
            os.replace(partial, mo)
        else:
            os.unlink(partial)
    from django.utils.translation import trans_real

    # Catalogs this process already loaded were read from the old .mo files: the next activate() reloads them.
    trans_real._translations = {}  # type: ignore[attr-defined]
    trans_real._default = None  # type: ignore[attr-defined]


def overridden_messages(mo: Path) -> list[str]:
    """The messages of one compiled catalog that the language's merged catalog shows differently."""
    from gettext import GNUTranslations

    from django.utils import translation

    with mo.open("rb") as compiled:
        entries = GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    overridden = []
    with translation.override("zh-hans"):
        for key, ours in entries.items():
            if not isinstance(key, str) or not key:  # plural forms and the header
                continue
            context, _, msgid = key.rpartition("\x04")
            shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            if shown != ours:
                overridden.append(f"{mo.relative_to(BASE_DIR)}: {key!r} shows {shown!r}, not {ours!r}")
    return overridden


# --- English left in Chinese pages --------------------------------------------------------------------------

# Two or more English words of three letters or more in a row: a sentence or a label someone forgot to translate.
ENGLISH_RUN = re.compile(
    r"\b[A-Za-z][a-z]{2,}(?:['\u2019][a-z]+)?(?:[ \t\n,;:/&-]+[A-Za-z][a-z]{2,}(?:['\u2019][a-z]+)?)+\b"
)
# Proper names and codes that stay as written in Chinese text (docs/glossary-zh.md), and machine words.
ALLOWED_RUNS = {
    "CNR Console",
    "Tencent Cloud",  # only ever inside a proper name here: sentences say 腾讯云
    "Swagger UI",
    "Live Recording",
    "Standard Webhooks",  # the signing specification's name
    # urllib3's message for an unreachable Tencent endpoint, shown as the call log's data.
    "Max retries exceeded with url",
}
ALLOWED_WORDS = {
    "Bearer",
    "Authorization",
    "Authorize",
    "Console",
    "Tencent",
    "Cloud",
    "Plotly",
    "Hls",
    "Chromium",
    "fps",
    "kbps",
    "Mbps",
    "Webhook",
    "Webhooks",
    "Content",
    "Type",
    "application",
    "json",
    "None",
    "True",
    "False",
    "null",
    "true",
    "false",
}
# Elements whose text is code, data or hidden machinery, never prose to translate.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "template", "svg"}
# Attributes a person reads (tooltips, screen readers, placeholders, confirmations).
READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "data-confirm", "aria-description"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.texts: list[str] = []
        self.skipped_marker = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # data-i18n-skip: user data or a third party's text; lang="en": content declared English on purpose.
        skipped = any(
            name == "data-i18n-skip" or (name == "lang" and (value or "").startswith("en"))
            for name, value in attrs
        )
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag if not skipped else "code")
        if not self._skipping():
            self.texts += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping():
            self.texts += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.texts.append(data)

    def _skipping(self) -> bool:
        return any(tag in SKIPPED_ELEMENTS for tag in self.stack)


def visible_texts(html: str) -> list[str]:
    """Text nodes and read attributes of `html`, outside code, scripts, elements marked data-i18n-skip (user data
    such as room names, notes or Tencent's own messages) and elements declared English (lang="en")."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return parser.texts


# Names that are data, not prose: IANA zones (Asia/Singapore), keys and identifiers (class-math-7, cnr-live,
# max-keys, apps/live-room).
NOT_PROSE = re.compile(r"\b[A-Z][A-Za-z_]+(?:/[A-Za-z_+-]+)+\b|\b[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)+\b")


def english_runs(texts: Iterable[str]) -> list[str]:
    """The English word runs in `texts`, proper names, codes and identifiers left out."""
    found: list[str] = []
    for text in texts:
        for match in ENGLISH_RUN.finditer(NOT_PROSE.sub(" · ", text)):
            run = match.group(0)
            if run in ALLOWED_RUNS:
                continue
            words = re.findall(r"[A-Za-z]+(?:['\u2019][a-z]+)?", run)
            if all(word in ALLOWED_WORDS for word in words):
                continue
            if any(name in run for name in ALLOWED_RUNS) and _only_names(run):
                continue
            found.append(run)
    return list(dict.fromkeys(found))


def _only_names(run: str) -> bool:
    rest = run
    for name in ALLOWED_RUNS:
        rest = rest.replace(name, " ")
    return not ENGLISH_RUN.search(rest)


# --- templates: text outside translation tags ---------------------------------------------------------------


def template_files() -> Iterator[Path]:
    """Every HTML template of the project (top-level templates/ and each app's templates/)."""
    for root in [BASE_DIR / "templates", *sorted(BASE_DIR.glob("*/templates"))]:
        if root.parts[-2] in SKIPPED_DIRS:
            continue
        yield from sorted(root.rglob("*.html"))


PLACEHOLDER = "\x00"


def untranslated_template_text(source: str) -> list[str]:
    """English left in a template outside {% translate %}/{% blocktranslate %}: the text between tags with every
    variable and tag replaced by a placeholder, comments and translation blocks dropped."""
    from django.template.base import Lexer, TokenType

    kept: list[str] = []
    depth_translate = 0
    depth_comment = 0
    for token in Lexer(source).tokenize():
        contents = token.contents.strip()
        keyword = contents.split(" ", 1)[0] if token.token_type == TokenType.BLOCK else ""
        if keyword in {"blocktranslate", "blocktrans"}:
            depth_translate += 1
        elif keyword in {"endblocktranslate", "endblocktrans"}:
            depth_translate -= 1
        elif keyword == "comment":
            depth_comment += 1
        elif keyword == "endcomment":
            depth_comment -= 1
        if (
            depth_translate
            or depth_comment
            or keyword in {"endblocktranslate", "endblocktrans", "endcomment"}
        ):
            kept.append(PLACEHOLDER)
            continue
        kept.append(token.contents if token.token_type == TokenType.TEXT else PLACEHOLDER)
    texts = [part for text in visible_texts("".join(kept)) for part in text.split(PLACEHOLDER)]
    return english_words(texts)


# A CSS class or an identifier ({% block body_class %}page-login{% endblock %}), not prose.
IDENTIFIER = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)+")
# A word a template author wrote: three letters or more, not an all-capitals code (API, CSV, HLS, ID).
ENGLISH_WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b")


def english_words(texts: Iterable[str]) -> list[str]:
    """Each text of `texts` that holds an English word (proper names and codes left out), stripped."""
    found: list[str] = []
    for text in texts:
        if IDENTIFIER.fullmatch(text.strip()):
            continue
        rest = text
        for name in ALLOWED_RUNS:
            rest = rest.replace(name, " ")
        if any(word not in ALLOWED_WORDS for word in ENGLISH_WORD.findall(rest)):
            found.append(" ".join(text.split()))
    return list(dict.fromkeys(found))
