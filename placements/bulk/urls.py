"""批量导入's pages (included by ``placements.urls`` under ``placements:`` at ``bulk/``)."""

from django.urls import path

from placements.bulk import views

urlpatterns = [
    path("", views.upload, name="bulk_upload"),
]
