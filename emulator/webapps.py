"""CAR's applications as its console knows them: which kind each is and, for a WEB app, the page it opens.

CAR's API never carries an application's kind or URL: a team uploads the app (or enters a web page's URL) in the
CAR console, and `ApplyConcurrent` names only the project (and optionally the application). The emulator plays
that console with a small JSON registry, `<data_dir>/car_applications.json` (EMULATOR_CAR_APPLICATIONS), read at
every StartPublishStream so an edit needs no restart, and written by `POST /_emulator/car/applications` or by the
console's demo seed. The console's production code path is untouched: it calls CAR exactly as it calls Tencent.

An entry: {"project_id": "cap-…", "application_id": "app-…" or "" (the project's default application), "kind":
"WEB" | "APK" | "EXE", "url": "http://…", "resolution": "1280x720", "frame_rate": 25}.

How a WEB app receives ApplicationParameters is the emulator's choice (CAR documents none for web pages): a
`--url-args=QUERY` argument is added to the page's query string as is, and the whole parameter string is passed
as `car_params`, so a page can read either.
"""

from __future__ import annotations

import json
import shlex
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

KINDS = ("WEB", "APK", "EXE")
URL_ARGS = "--url-args="
REGISTRY_NAME = "car_applications.json"


class ApplicationSpecError(ValueError):
    pass


@dataclass(frozen=True)
class CarApplication:
    project_id: str
    application_id: str
    kind: str
    url: str = ""
    width: int = 1280
    height: int = 720
    frame_rate: int = 25

    @classmethod
    def from_dict(cls, raw: Any) -> CarApplication:
        if not isinstance(raw, dict):
            raise ApplicationSpecError("an application is a JSON object")
        unknown = set(raw) - {"project_id", "application_id", "kind", "url", "resolution", "frame_rate"}
        if unknown:
            raise ApplicationSpecError(f"unknown keys {sorted(unknown)}")
        project_id = str(raw.get("project_id") or "")
        kind = str(raw.get("kind") or "").upper()
        url = str(raw.get("url") or "")
        if not project_id.startswith("cap-"):
            raise ApplicationSpecError("project_id must be a CAR project id (cap-…)")
        if kind not in KINDS:
            raise ApplicationSpecError(f"kind must be one of {', '.join(KINDS)}")
        if kind == "WEB" and urlsplit(url).scheme not in {"http", "https"}:
            raise ApplicationSpecError("a WEB application needs an http(s) url")
        width, _, height = str(raw.get("resolution") or "1280x720").lower().partition("x")
        try:
            size = (int(width), int(height))
            frame_rate = int(raw.get("frame_rate") or 25)
        except ValueError:
            raise ApplicationSpecError("resolution is WIDTHxHEIGHT and frame_rate a number") from None
        if not (16 <= size[0] <= 3840 and 16 <= size[1] <= 3840 and 1 <= frame_rate <= 120):
            raise ApplicationSpecError("resolution or frame_rate out of range")
        return cls(
            project_id=project_id,
            application_id=str(raw.get("application_id") or ""),
            kind=kind,
            url=url,
            width=size[0] - size[0] % 2,  # yuv420p needs even sizes
            height=size[1] - size[1] % 2,
            frame_rate=frame_rate,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["resolution"] = f"{data.pop('width')}x{data.pop('height')}"
        return data


def page_url(url: str, application_parameters: str) -> str:
    """The URL a WEB app opens for a session launched with these ApplicationParameters."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    try:
        words = shlex.split(application_parameters)
    except ValueError:
        words = application_parameters.split()
    for word in words:
        if word.startswith(URL_ARGS):
            query += parse_qsl(word[len(URL_ARGS) :], keep_blank_values=True)
    if application_parameters:
        query.append(("car_params", application_parameters))
    return urlunsplit(parts._replace(query=urlencode(query)))


class CarApplications:
    """The registry file; a missing or broken file is an empty registry (every app keeps the test picture)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def all(self) -> list[CarApplication]:
        try:
            raw = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        apps = []
        for item in raw if isinstance(raw, list) else []:
            try:
                apps.append(CarApplication.from_dict(item))
            except ApplicationSpecError:
                continue
        return apps

    def find(self, *, project_id: str, application_id: str) -> CarApplication | None:
        """The named application, else the project's default one (an entry without application_id)."""
        apps = [app for app in self.all() if app.project_id == project_id]
        for wanted in (application_id, ""):
            for app in apps:
                if app.application_id == wanted:
                    return app
        return None

    def register(self, raw: Any) -> list[CarApplication]:
        """Add or replace entries (one object or a list); returns the whole registry."""
        items = [CarApplication.from_dict(item) for item in (raw if isinstance(raw, list) else [raw])]
        with self._lock:
            keep = {(app.project_id, app.application_id): app for app in self.all()}
            for app in items:
                keep[(app.project_id, app.application_id)] = app
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".part")
            partial.write_text(json.dumps([app.to_dict() for app in keep.values()], indent=2))
            partial.replace(self.path)
            return list(keep.values())

    def clear(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)
