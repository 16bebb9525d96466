"""Catalog: client apps (the CAR applications) and their rooms — models, services, views, API, forms, admin."""
