from django.urls import path

from dashboard.api import api_route
from lifecycle import api, views

app_name = "lifecycle"

urlpatterns = [
    api_route(api.app_retention, name="api_app_retention"),
    api_route(api.room_retention, name="api_room_retention"),
    api_route(api.file_hold, name="api_file_hold"),
    path("storage/", views.storage, name="storage"),
    path("storage/apps/<int:pk>/policy/", views.app_policy, name="app_policy"),
    path(
        "storage/apps/<int:pk>/policy/preview/",
        views.app_policy,
        {"preview": True},
        name="app_policy_preview",
    ),
    path("storage/rooms/<int:pk>/policy/", views.room_policy, name="room_policy"),
    path(
        "storage/rooms/<int:pk>/policy/preview/",
        views.room_policy,
        {"preview": True},
        name="room_policy_preview",
    ),
    path("storage/holds/<str:kind>/<int:pk>/", views.hold_place, name="hold_place"),
    path("storage/holds/<int:pk>/lift/", views.hold_lift, name="hold_lift"),
    path("storage/failures/<int:pk>/retry/", views.failure_retry, name="failure_retry"),
]
