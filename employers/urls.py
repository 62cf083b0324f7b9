from django.urls import path

from employers import account_views, proxy_views, views

app_name = "employers"

urlpatterns = [
    path("", views.employer_edit, name="index"),
    path("accounts/", account_views.clerk_list, name="clerks"),
    path("accounts/me/", account_views.my_account, name="my_account"),
    path("email/verify/<uidb64>/<token>/", account_views.email_verify, name="email_verify"),
    path("accounts/<int:pk>/disable/", account_views.clerk_disable, name="clerk_disable"),
    path("accounts/<int:pk>/enable/", account_views.clerk_enable, name="clerk_enable"),
    path("proxy/commitment/<int:year>/", proxy_views.proxy_commitment, name="proxy_commitment"),
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
