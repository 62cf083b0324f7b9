"""The project's URLs plus views that fail the way a dependency does (tests of core/errorpages.py)."""

from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.urls import path

from config.urls import handler500  # noqa: F401 — the project's error handler
from config.urls import urlpatterns as project_urlpatterns


def database_down(request):
    raise OperationalError("could not connect to server: Connection refused")


def write_then_database_down(request):
    from core.models import Region, RegionLevel

    with transaction.atomic():  # as every service does
        Region.objects.create(code="990000", name="测试省", level=RegionLevel.values[0])
        raise OperationalError("server closed the connection unexpectedly")


def storage_down(request):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    storages["default"].save("uploads/test.txt", ContentFile(b"x"))
    return HttpResponse("stored")


def bug(request):
    raise ValueError("a plain bug")


urlpatterns = [
    path("_test/db-down/", database_down),
    path("_test/db-down-after-write/", write_then_database_down),
    path("_test/storage-down/", storage_down),
    path("_test/bug/", bug),
    *project_urlpatterns,
]
