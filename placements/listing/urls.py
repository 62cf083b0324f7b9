"""The list of a year's placements and what is done from it (included by ``placements.urls`` under ``placements:``)."""

from django.urls import path

from placements.listing import batch_views, export_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("declare/", views.declare_redirect, name="declare"),
    path("export/", export_views.export_xlsx, name="export"),
    path("export/full/", export_views.export_full, name="export_full"),
    path("print/", export_views.list_print, name="list_print"),
    path("<int:pk>/print/", export_views.grid_print, name="grid_print"),
    path("batch-delete/", batch_views.batch_delete, name="batch_delete"),
]
