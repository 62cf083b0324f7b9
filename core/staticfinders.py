"""The front-end packages' files the pages link, found in node_modules (installed by ``npm ci`` from
package-lock.json) — only those files, not the packages' whole ``dist`` folders.

ECharts' ``dist`` alone holds 120 MB of builds, maps and extensions; collecting and compressing all of it made the
first ``collectstatic`` of a deployment take many minutes for one file a page uses. ``STATIC_VENDOR_FILES`` names
each file by its URL path and its place under ``node_modules``.
"""

import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


class VendorFinder(finders.BaseFinder):
    """Finds ``settings.STATIC_VENDOR_FILES``: {URL prefix: (package folder, [file paths inside it])}."""

    def __init__(self, *args, **kwargs):
        self.files: dict[str, Path] = {}  # the URL path under STATIC_URL → the file
        self.storages: list[tuple[FileSystemStorage, list[str]]] = []
        for prefix, (folder, names) in settings.STATIC_VENDOR_FILES.items():
            storage = FileSystemStorage(location=folder)
            storage.prefix = prefix  # collectstatic writes the files under the prefix
            self.storages.append((storage, list(names)))
            for name in names:
                self.files[f"{prefix}/{name}"] = Path(folder) / name
        super().__init__(*args, **kwargs)

    def check(self, **kwargs):
        return [
            Error(
                f"前端依赖文件缺失：{path}",
                hint="运行 make setup（npm ci 按 package-lock.json 安装前端依赖）。",
                obj=url,
                id="core.E020",
            )
            for url, path in self.files.items()
            if not path.is_file()
        ]

    def find(self, path, find_all=False, **kwargs):
        found = self.files.get(path.replace(os.sep, "/"))
        if found is None or not found.is_file():
            return [] if find_all else None
        finders.searched_locations.append(str(found.parent))
        return [str(found)] if find_all else str(found)

    def list(self, ignore_patterns):
        for storage, names in self.storages:
            for name in names:
                if storage.exists(name):
                    yield name, storage
