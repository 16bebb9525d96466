from django.urls import path

from dashboard.api import api_route
from webhooks import api, views

app_name = "webhooks"

urlpatterns = [
    path("webhooks/", views.endpoint_list, name="endpoint_list"),
    path("webhooks/new/", views.endpoint_create, name="endpoint_create"),
    path("webhooks/<int:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path("webhooks/<int:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("webhooks/<int:pk>/test/", views.endpoint_test, name="endpoint_test"),
    path("webhooks/<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path("webhooks/deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="delivery_redeliver"),
    api_route(api.endpoints_collection, name="api_endpoints"),
    api_route(api.delivery_redeliver_view, name="api_redeliver"),
    api_route(api.endpoint_resource, name="api_endpoint"),
    api_route(api.endpoint_test_view, name="api_endpoint_test"),
    api_route(api.endpoint_deliveries_view, name="api_endpoint_deliveries"),
]
