"""Where a COS record template writes: settings.COS_RECORD_PATH, the template's CosBucketPath (the setup doctor
checks they agree). The COS sync lists under its fixed prefix and reads the stream out of each key by it.

CosBucketPath placeholders ({StreamID}, {Domain}, {AppName}, {RecordSource}, {RecordId}, {RandomID}, {Start*},
{End*}) stand for one path part or a piece of one; the file name follows the path.
"""

from __future__ import annotations

import re

from django.conf import settings

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _known(stream_name: str | None) -> dict[str, str]:
    values = {"Domain": settings.CSS_PUSH_DOMAIN, "AppName": settings.CSS_APP_NAME, "RecordSource": "origin"}
    if stream_name:
        values["StreamID"] = stream_name
    return values


def listing_prefix(*, stream_name: str | None = None) -> str:
    """The key prefix every recording (of `stream_name`, when given) has: the path up to its first placeholder
    that cannot be filled in, without the leading slash."""
    known = _known(stream_name)
    prefix = []
    position = 0
    path = settings.COS_RECORD_PATH.lstrip("/")
    for match in PLACEHOLDER.finditer(path):
        prefix.append(path[position : match.start()])
        value = known.get(match.group(1))
        if value is None:
            return "".join(prefix)
        prefix.append(value)
        position = match.end()
    prefix.append(path[position:])
    return "".join(prefix)


def _pattern() -> re.Pattern[str]:
    path = settings.COS_RECORD_PATH.lstrip("/")
    parts: list[str] = []
    position = 0
    seen_stream = False
    known = _known(None)
    for match in PLACEHOLDER.finditer(path):
        parts.append(re.escape(path[position : match.start()]))
        name = match.group(1)
        if name == "StreamID" and not seen_stream:
            parts.append(r"(?P<stream>[^/]+?)")
            seen_stream = True
        elif name in known:
            parts.append(re.escape(known[name]))
        else:
            parts.append(r"[^/]*?")
        position = match.end()
    parts.append(re.escape(path[position:]))
    if not path.endswith("/"):
        parts.append(r"\.[^./]+$")  # the path's last part is the file name; only the extension follows
    return re.compile("".join(parts))


def stream_of_key(key: str) -> str:
    """The stream a recording's key belongs to ("" when the key is not under the path or names no stream)."""
    match = _pattern().match(key)
    if match is None or "stream" not in match.groupdict():
        return ""
    return match.group("stream")
