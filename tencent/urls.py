from django.urls import path

from tencent import views

app_name = "tencent"

urlpatterns = [
    path("tencent/setup/", views.cloud_setup, name="cloud_setup"),
]
