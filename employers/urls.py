from django.urls import path

from employers import views

app_name = "employers"

urlpatterns = [
    path("", views.employer_edit, name="index"),
    path("related/", views.related_unit_list, name="related_list"),
    path("related/new/", views.related_unit_create, name="related_create"),
    path("related/<int:pk>/edit/", views.related_unit_edit, name="related_edit"),
    path("related/<int:pk>/delete/", views.related_unit_delete, name="related_delete"),
    path(
        "related/<int:pk>/proofs/<int:proof_pk>/withdraw/",
        views.related_unit_proof_withdraw,
        name="related_proof_withdraw",
    ),
]
