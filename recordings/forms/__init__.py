"""Recordings forms, one module per area (catalog, sessions, schedules, ...)."""
