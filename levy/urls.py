from django.urls import path

from core.views import under_construction

app_name = "levy"

urlpatterns = [
    path("calculator/", under_construction, {"title": "残保金计算器"}, name="calculator"),
]
