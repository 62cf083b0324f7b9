from django.urls import include, path

from placements.evidence import views as evidence_views
from placements.grid import views as grid_views
from placements.registration import document_views as registration_document_views
from placements.registration import lifecycle_views as registration_lifecycle_views
from placements.registration import views as registration_views

app_name = "placements"

urlpatterns = [
    path("", include("placements.listing.urls")),
    path("bulk/", include("placements.bulk.urls")),
    path("new/", registration_views.new, name="new"),
    path("import-last-year/", registration_lifecycle_views.import_last_year, name="import_last_year"),
    path("<int:pk>/", registration_lifecycle_views.detail, name="detail"),
    path("<int:pk>/step-1/", registration_views.step1, name="step1"),
    path("<int:pk>/step-2/", grid_views.step2, name="step2"),
    path("<int:pk>/step-3/", evidence_views.step3, name="step3"),
    path("<int:pk>/step-4/", registration_lifecycle_views.step4, name="step4"),
    path("<int:pk>/graduates/new/", registration_views.graduate_add, name="graduate_add"),
    path("<int:pk>/graduates/<int:gid>/delete/", registration_views.graduate_delete, name="graduate_delete"),
    path("<int:pk>/contracts/new/", registration_document_views.contract_add, name="contract_add"),
    path("<int:pk>/contracts/<int:cid>/edit/", registration_document_views.contract_edit, name="contract_edit"),
    path("<int:pk>/contracts/<int:cid>/delete/", registration_document_views.contract_delete, name="contract_delete"),
    path("<int:pk>/certificates/new/", registration_document_views.certificate_add, name="certificate_add"),
    path(
        "<int:pk>/certificates/<int:cid>/delete/",
        registration_document_views.certificate_delete,
        name="certificate_delete",
    ),
    path("<int:pk>/evidence/<int:eid>/withdraw/", evidence_views.evidence_withdraw, name="evidence_withdraw"),
    path("<int:pk>/reregister/", registration_lifecycle_views.reregister, name="reregister"),
    path("<int:pk>/delete/", registration_lifecycle_views.delete, name="delete"),
]
