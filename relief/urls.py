from django.urls import path

from core.views import under_construction

app_name = "relief"

urlpatterns = [
    path("", under_construction, {"title": "缓减免申请"}, name="index"),
]
