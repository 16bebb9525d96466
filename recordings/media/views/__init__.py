"""The callback log, live board and outputs pages."""
