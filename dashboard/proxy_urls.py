from django.urls import path

from dashboard import proxy_views

app_name = "proxy"

urlpatterns = [
    path("<int:employer_pk>/start/", proxy_views.proxy_start, name="start"),
    path("end/", proxy_views.proxy_end, name="end"),
]
