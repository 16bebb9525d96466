"""Recordings models, one module per area; import them from here (`from recordings.models import Room`)."""
