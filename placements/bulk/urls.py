"""批量导入's pages (included by ``placements.urls`` under ``placements:`` at ``bulk/``)."""

from django.urls import path

from placements.bulk import views

urlpatterns = [
    path("", views.upload, name="bulk_upload"),
    path("template/", views.template_download, name="bulk_template"),
    path("<int:pk>/", views.report, name="bulk_report"),
    path("<int:pk>/errors/", views.marked_download, name="bulk_marked"),
    path("<int:pk>/confirm/", views.confirm, name="bulk_confirm"),
]
