from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("files/<str:token>/", views.download, name="download"),
    path("regions/options/", views.region_options, name="region_options"),
]
