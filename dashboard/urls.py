from django.urls import path

from core.views import under_construction

app_name = "dashboard"

urlpatterns = [
    path("", under_construction, {"title": "首页"}, name="index"),
]
