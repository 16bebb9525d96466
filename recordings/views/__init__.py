"""Recordings views, one module per area (catalog, sessions, schedules, live, files, review)."""
