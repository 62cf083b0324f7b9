from django.urls import path

from core.views import under_construction

app_name = "notices"

urlpatterns = [
    path("", under_construction, {"title": "通知公告"}, name="index"),
]
