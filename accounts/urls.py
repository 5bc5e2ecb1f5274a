from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.profile, name="profile"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/privacy/", views.privacy, name="privacy"),
]
