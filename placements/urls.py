from django.urls import path

from core.views import under_construction

app_name = "placements"

urlpatterns = [
    path("", under_construction, {"title": "残疾人安置管理"}, name="index"),
]
