from dashboard.api import api_route
from lifecycle import api

app_name = "lifecycle"

urlpatterns = [
    api_route(api.app_retention, name="api_app_retention"),
    api_route(api.room_retention, name="api_room_retention"),
    api_route(api.file_hold, name="api_file_hold"),
]
