"""The public certificate check, included at ``/verify/`` by config/urls.py (no login)."""

from django.urls import path

from declarations import views

app_name = "verify"

urlpatterns = [
    path("", views.verify_form, name="form"),
    path("<str:code>/", views.verify, name="check"),
]
