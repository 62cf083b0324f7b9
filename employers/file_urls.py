"""``/files/<token>/`` (``files:download``): every stored upload, served only to whoever may see it
(``employers.views.download``). Kept at the site root, outside the unit's ``/employer/`` pages."""

from django.urls import path

from employers import views

app_name = "files"

urlpatterns = [
    path("files/<str:token>/", views.download, name="download"),
]
