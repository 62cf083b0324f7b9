from django.urls import path

from declarations import document_views, views

app_name = "declarations"

urlpatterns = [
    path("<int:year>/", views.year_page, name="year"),
    path("<int:year>/declare/", views.declare, name="declare"),
    path("<int:year>/declare/confirm/", views.declare_confirm, name="declare_confirm"),
    path("<int:year>/commitment.pdf", views.commitment_pdf, name="commitment"),
    path("<int:year>/cancellation.pdf", document_views.cancellation_pdf, name="cancellation"),
    path("<int:year>/certificate.pdf", views.certificate_pdf, name="certificate"),
    path("<int:year>/withdraw/", views.withdraw, name="withdraw"),
]
