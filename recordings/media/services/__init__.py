"""The media workflows: callbacks, live streams, recording files."""
