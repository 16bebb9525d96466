from django.urls import path

from dashboard.api import api_route
from recordings.catalog import api as rooms_api
from recordings.catalog import views as catalog
from recordings.media import api as files_api
from recordings.media.views import callbacks as callback_views
from recordings.media.views import files as file_views
from recordings.media.views import live as live_views
from recordings.review import api as review_api
from recordings.review import views as review_views
from recordings.sessions import api as recordings_api
from recordings.sessions.views import schedules as schedule_views
from recordings.sessions.views import sessions as session_views

app_name = "recordings"

urlpatterns = [
    # Catalog: client apps and rooms
    path("apps/", catalog.app_list, name="app_list"),
    path("apps/new/", catalog.app_create, name="app_create"),
    path("apps/<int:pk>/", catalog.app_detail, name="app_detail"),
    path("apps/<int:pk>/edit/", catalog.app_edit, name="app_edit"),
    path("apps/<int:pk>/deactivate/", catalog.app_deactivate, name="app_deactivate"),
    path("apps/<int:pk>/delete/", catalog.app_delete, name="app_delete"),
    path("rooms/", catalog.room_list, name="room_list"),
    path("rooms/new/", catalog.room_create, name="room_create"),
    path("rooms/search/", catalog.room_search, name="room_search"),
    path("rooms/<int:pk>/", catalog.room_detail, name="room_detail"),
    path("rooms/<int:pk>/edit/", catalog.room_edit, name="room_edit"),
    path("rooms/<int:pk>/deactivate/", catalog.room_deactivate, name="room_deactivate"),
    path("rooms/<int:pk>/delete/", catalog.room_delete, name="room_delete"),
    api_route(rooms_api.rooms_collection, name="api_rooms"),
    api_route(rooms_api.room_resource, name="api_room"),
]

# Outputs: CSS callbacks, live streams and recording files.
urlpatterns += [
    path("callbacks/css/", callback_views.css_callback, name="css_callback"),
    path("callbacks/events/", callback_views.callback_event_list, name="callback_event_list"),
    path("callbacks/events/<int:pk>/", callback_views.callback_event_detail, name="callback_event_detail"),
    path(
        "callbacks/events/<int:pk>/replay/",
        callback_views.callback_event_replay,
        name="callback_event_replay",
    ),
    path("live/", live_views.live_board, name="live_board"),
    path("live/rooms/<int:pk>/", live_views.live_room, name="live_room"),
    path("live/sessions/<int:pk>/", live_views.live_session, name="live_session"),
    path("live/streams/<str:stream>/play-urls/", live_views.live_play_urls, name="live_play_urls"),
    path("live/streams/<str:stream>/health/", live_views.live_health, name="live_health"),
    path("live/streams/<str:stream>/drop/", live_views.live_drop, name="live_drop"),
    path("files/", file_views.file_list, name="file_list"),
    path("files/storage/", file_views.file_storage, name="file_storage"),
    path("files/<int:pk>/", file_views.file_detail, name="file_detail"),
    path("files/<int:pk>/signed-url/", file_views.file_signed_url, name="file_signed_url"),
    path("files/<int:pk>/delete/", file_views.file_delete, name="file_delete"),
    path("files/<int:pk>/restore/", file_views.file_restore, name="file_restore"),
    path("files/<int:pk>/restore/status/", file_views.file_restore_status, name="file_restore_status"),
    api_route(files_api.files_collection, name="api_files"),
    api_route(files_api.file_resource, name="api_file"),
    api_route(files_api.file_restore_resource, name="api_file_restore"),
]

# Orchestration: recording sessions and their API.
urlpatterns += [
    path("recordings/", session_views.session_list, name="session_list"),
    path("recordings/<int:pk>/", session_views.session_detail, name="session_detail"),
    path("recordings/<int:pk>/stop/", session_views.session_stop, name="session_stop"),
    path("rooms/<int:room_pk>/record/", session_views.session_start, name="session_start"),
    path("rooms/<int:room_pk>/record/estimate/", session_views.session_estimate, name="session_estimate"),
    path("attention/<int:pk>/resolve/", session_views.attention_resolve, name="attention_resolve"),
    path("schedules/", schedule_views.schedule_list, name="schedule_list"),
    path("schedules/new/", schedule_views.schedule_create, name="schedule_create"),
    path("schedules/calendar/", schedule_views.schedule_calendar, name="schedule_calendar"),
    path("schedules/new/estimate/", schedule_views.schedule_estimate, name="schedule_estimate_new"),
    path("schedules/<int:pk>/edit/", schedule_views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/estimate/", schedule_views.schedule_estimate, name="schedule_estimate"),
    path("schedules/<int:pk>/pause/", schedule_views.schedule_pause, name="schedule_pause"),
    path("schedules/<int:pk>/resume/", schedule_views.schedule_resume, name="schedule_resume"),
    api_route(recordings_api.recordings_collection, name="api_recordings"),
    api_route(recordings_api.recording_resource, name="api_recording"),
    api_route(recordings_api.recording_stop_view, name="api_recording_stop"),
    api_route(recordings_api.room_recordings, name="api_room_recordings"),
    api_route(recordings_api.room_events, name="api_room_events"),
]

# Moderation: the review queue, a file's review page and its actions, statistics.
urlpatterns += [
    path("review/", review_views.review_queue, name="review_queue"),
    path("review/next/", review_views.review_next, name="review_next"),
    path("review/stats/", review_views.review_stats, name="review_stats"),
    path("review/files/<int:pk>/", review_views.review_file, name="review_file"),
    path("review/files/<int:pk>/claim/", review_views.review_claim, name="review_claim"),
    path("review/files/<int:pk>/release/", review_views.review_release, name="review_release"),
    path("review/files/<int:pk>/verdict/", review_views.review_verdict, name="review_verdict"),
    path("review/files/<int:pk>/undo/", review_views.review_undo, name="review_undo"),
    path("review/files/<int:pk>/notes/", review_views.review_note_add, name="review_note_add"),
    path("review/files/<int:pk>/checks/", review_views.review_checks, name="review_checks"),
    path("review/files/<int:pk>/recognize/", review_views.review_recognize, name="review_recognize"),
    api_route(review_api.room_interactions, name="api_room_interactions"),
    api_route(review_api.recording_interactions, name="api_recording_interactions"),
]
