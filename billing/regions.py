"""People's names of the price books' region keys (CAR, CSS, COS, MPS and VOD areas), translatable.

The keys stay the price documents' identifiers (stored, compared, sent in forms); only what a page shows is a
label. The labels are lazy: module-level dicts are built once per process, before any request's language is known.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

REGION_LABELS: dict[str, Promise] = {
    # CSS's price areas.
    "mainland": _("Chinese mainland"),
    "AP1": _("AP1 (Hong Kong, Singapore, Thailand…)"),
    "AP2": _("AP2 (Japan, Korea, Malaysia, Indonesia…)"),
    "AP3": _("AP3 (Philippines, India, Australia)"),
    "NA": _("North America"),
    "EU": _("Europe"),
    "ME": _("Middle East"),
    "AF": _("Africa"),
    "SA": _("South America"),
    # VOD's two storage and playback areas.
    "outside": pgettext_lazy("region area", "Outside the mainland"),
    # CAR, COS and MPS regions (cities).
    "beijing": _("Beijing"),
    "shanghai": _("Shanghai"),
    "guangzhou": _("Guangzhou"),
    "chengdu": _("Chengdu"),
    "chongqing": _("Chongqing"),
    "hong-kong": _("Hong Kong"),
    "singapore": _("Singapore"),
    "tokyo": _("Tokyo"),
    "frankfurt": _("Frankfurt"),
    "virginia": _("Virginia"),
    "silicon-valley": _("Silicon Valley"),
    "mumbai": _("Mumbai"),
    "seoul": _("Seoul"),
    "bangkok": _("Bangkok"),
}


def region_label(key: str) -> str | Promise:
    """The label of a region key; a key no list knows (a new region in a newer price book) shows as written."""
    return REGION_LABELS.get(key, key)
