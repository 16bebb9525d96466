"""The console's own locale formats (settings.FORMAT_MODULE_PATH), read before Django's: only what differs."""
