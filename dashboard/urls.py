from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from dashboard import calllog_views, jsi18n, views
from dashboard.api import api_not_found
from dashboard.demo_mode import demo_logins

handler403 = "dashboard.views.permission_denied"

urlpatterns = [
    path("", views.overview, name="overview"),
    path(
        "accounts/login/",
        # demo_logins is a callable: the template calls it per request (empty outside demo mode).
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, extra_context={"demo_logins": demo_logins}
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/tokens/", views.token_list, name="token_list"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit_log, name="audit_log"),
    # The language switcher (POST) and the JavaScript strings of the active language (base.html loads it).
    path("i18n/setlang/", views.language_switch, name="set_language"),
    path("jsi18n/", jsi18n.javascript_catalog, name="javascript-catalog"),
    path("tencent/calls/", calllog_views.call_list, name="call_list"),
    path("api/v1/openapi.json", views.openapi_json, name="openapi_json"),
    path("api/docs/", views.api_docs, name="api_docs"),
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("", include("recordings.urls")),
    path("", include("billing.urls")),
    path("", include("tencent.urls")),
    path("", include("webhooks.urls")),
    path("", include("alerts.urls")),
    path("", include("lifecycle.urls")),
    # Last: an API path no operation matched (e.g. /api/v1/files/abc) answers JSON, not the HTML 404 page.
    re_path(r"^api/", api_not_found),
]
