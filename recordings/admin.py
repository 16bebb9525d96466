"""The admin site's pages of the recordings app, one module per area; Django's autodiscovery imports this one,
and importing each area's module registers its models."""

from recordings.catalog import admin as catalog_admin
from recordings.media import admin as media_admin
from recordings.review import admin as review_admin
from recordings.sessions import admin as sessions_admin

__all__ = ["catalog_admin", "media_admin", "review_admin", "sessions_admin"]
