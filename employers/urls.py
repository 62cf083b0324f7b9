from django.urls import path

from core.views import under_construction

app_name = "employers"

urlpatterns = [
    path("", under_construction, {"title": "单位信息维护管理"}, name="index"),
]
