from django.urls import path

from tencent import views

app_name = "tencent"

urlpatterns = [
    path("tencent/calls/", views.call_list, name="call_list"),
    path("tencent/setup/", views.cloud_setup, name="cloud_setup"),
]
