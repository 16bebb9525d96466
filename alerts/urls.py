from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/mute/", views.alert_mute_view, name="alert_mute"),
    path("alerts/rules/", views.rule_list, name="rule_list"),
    path("alerts/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("alerts/channels/", views.channel_list, name="channel_list"),
    path("alerts/channels/<int:pk>/test/", views.channel_test_view, name="channel_test"),
    path("alerts/channels/<int:pk>/delete/", views.channel_delete_view, name="channel_delete"),
]
