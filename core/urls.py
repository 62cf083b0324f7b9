from django.urls import path

from core import lockout, views

app_name = "core"

urlpatterns = [
    path("regions/options/", views.region_options, name="region_options"),
    path("accounts/unlock/", lockout.unlock, name="unlock"),
]
