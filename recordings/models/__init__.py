"""Recordings models, one module per area; import them from here (`from recordings.models import Room`)."""

from recordings.models.catalog import ClientApp, ClientAppKind, ConcurrencySpec, Room

__all__ = ["ClientApp", "ClientAppKind", "ConcurrencySpec", "Room"]
