"""The list of a year's placements and what is done from it (included by ``placements.urls`` under ``placements:``)."""

from django.urls import path

from placements.listing import views

urlpatterns = [
    path("", views.index, name="index"),
    path("declare/", views.declare_redirect, name="declare"),
]
