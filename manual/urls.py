from django.urls import path

from core.views import under_construction

app_name = "manual"

urlpatterns = [
    path("", under_construction, {"title": "系统操作手册"}, name="index"),
]
