from django.urls import path

from placements import views

app_name = "placements"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("import-last-year/", views.import_last_year, name="import_last_year"),
    path("declare/", views.declare_redirect, name="declare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/step-1/", views.step1, name="step1"),
    path("<int:pk>/step-2/", views.step2, name="step2"),
    path("<int:pk>/step-3/", views.step3, name="step3"),
    path("<int:pk>/step-4/", views.step4, name="step4"),
    path("<int:pk>/graduates/new/", views.graduate_add, name="graduate_add"),
    path("<int:pk>/graduates/<int:gid>/delete/", views.graduate_delete, name="graduate_delete"),
    path("<int:pk>/contracts/new/", views.contract_add, name="contract_add"),
    path("<int:pk>/contracts/<int:cid>/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/contracts/<int:cid>/delete/", views.contract_delete, name="contract_delete"),
    path("<int:pk>/certificates/new/", views.certificate_add, name="certificate_add"),
    path("<int:pk>/certificates/<int:cid>/delete/", views.certificate_delete, name="certificate_delete"),
    path("<int:pk>/evidence/<int:eid>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("<int:pk>/reregister/", views.reregister, name="reregister"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
