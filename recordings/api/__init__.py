"""The business-backend JSON API of the recordings app, one module per resource."""
