"""Walking price documents: every leaf with its path, and writing a leaf back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]


def leaves(doc: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from leaves(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from leaves(value, (*path, index))
    else:
        yield path, doc


def dotted(path: Path) -> str:
    """("css_downstream_tiers", "AP1", 0, "usd_per_gb") → "css_downstream_tiers.AP1[0].usd_per_gb"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def with_leaf(doc: Any, path: Path, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def price_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{"path.to.price": [old, new]} for every price that differs between two documents."""
    before = {dotted(p): v for p, v in leaves(old)}
    after = {dotted(p): v for p, v in leaves(new)}
    return {
        path: [before.get(path), after.get(path)]
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    }
