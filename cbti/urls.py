from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as account_views
from program import offline
from program.api import api
from program.health import healthz
from program.reminders import views as reminder_views

# The Django admin's own login would bypass allauth (rate limits, MFA): send it through
# allauth's login instead, with allauth's documented wrapper (the stubs call the method
# read-only).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic administration"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("sw.js", reminder_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="web_manifest"),
    path("favicon.ico", RedirectView.as_view(url="/static/img/moon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("", include("program.urls")),
]

handler403 = "accounts.errors.permission_denied"
handler404 = "accounts.errors.page_not_found"
handler500 = "accounts.errors.server_error"
# allauth answers its rate limits through this (allauth.core.internal.ratelimit.respond_429).
handler429 = "accounts.errors.too_many_requests"
