"""Media: CSS callbacks, live streams, recording files and outputs, the stream-health chart."""
