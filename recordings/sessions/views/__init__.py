"""The recording and schedule pages."""
