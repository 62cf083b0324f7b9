"""发送税务部门 with a full disk (issue 16's fault "disk full for the export folder").

The kernel's own ENOSPC without root or a small file system: the export writes to a temporary name beside the final
one (``.<name>.<pid>.tmp``); a symbolic link at that name to ``/dev/full`` makes the write fail as on a full disk.
``bench/faults/export_disk_full.py`` does the same against a real 64 KB tmpfs on the local cluster.
"""

import errno
import os
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from declarations import exports, services
from declarations.models import Declaration, ExportBatch
from declarations.tasks import export_tax_batch
from tests import factories
from tests.factories import declarations as df

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)"),
]


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("export_tax", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def entries(directory: Path) -> list[str]:
    """What is in the folder, symbolic links included (a left temporary file or link would show)."""
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def full_disk_for(directory: Path, authority: str, number: int = 1) -> Path:
    """Make the next write of that batch's file hit ENOSPC from the kernel."""
    directory.mkdir(parents=True, exist_ok=True)
    link = directory / f".{exports.file_name(authority, number)}.{os.getpid()}.tmp"
    link.symlink_to("/dev/full")
    return link


@pytest.fixture
def units(traveller):
    """Two units under tax authority 110101, one under 110105, all declared (not sent yet)."""
    result = [factories.employer(), factories.employer(), factories.employer(region_code="110105")]
    for unit in result:
        df.placement(unit, months=range(1, 13))
        traveller.shift(60)
        services.declaration_declare(employer=unit, year=df.YEAR, by=None)
    return result


def test_a_full_disk_is_reported_in_chinese_and_nothing_is_marked_or_left(units, settings):
    directory = settings.TAX_EXPORT_DIR
    full_disk_for(directory, "110101")
    with pytest.raises(CommandError, match="导出目录所在磁盘空间不足") as caught:
        run("--authority", "110101")
    message = str(caught.value)
    assert "新批次未导出" in message and "没有申报被标记为已发送税务" in message and str(directory) in message
    cause = caught.value.__cause__.__cause__  # CommandError ← ExportError ← the kernel's OSError
    assert isinstance(cause, OSError) and cause.errno == errno.ENOSPC
    assert not ExportBatch.objects.exists()
    assert set(Declaration.objects.values_list("status", flat=True)) == {"declared"}
    assert exports.queued("110101").count() == 2
    assert entries(directory) == []  # no file under the final name, and the temporary (here: the link) removed
    # space again: the same run exports batch 1 whole
    out, _ = run("--authority", "110101")
    assert "batch 1: 2 records" in out
    assert entries(directory) == ["tax_110101_000001.csv"]


def test_disk_full_found_only_at_fsync(units, settings):
    """Delayed allocation: the writes succeed, fsync reports ENOSPC. Same outcome."""

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with mock.patch("declarations.exports.os.fsync", no_space), pytest.raises(CommandError, match="磁盘空间不足"):
        run("--authority", "110105")
    assert not ExportBatch.objects.exists() and exports.queued("110105").count() == 1
    assert entries(settings.TAX_EXPORT_DIR) == []


def test_a_reexport_on_a_full_disk_keeps_the_previous_file(units, settings):
    run("--authority", "110101")
    path = settings.TAX_EXPORT_DIR / "tax_110101_000001.csv"
    original = path.read_bytes()
    full_disk_for(settings.TAX_EXPORT_DIR, "110101", 1)
    with pytest.raises(CommandError, match=r"磁盘空间不足.*第 1 批未导出"):
        run("--authority", "110101", "--batch", "1")
    assert path.read_bytes() == original
    assert entries(settings.TAX_EXPORT_DIR) == ["tax_110101_000001.csv"]


def test_all_goes_on_with_the_other_authorities_and_fails_at_the_end(units, settings):
    full_disk_for(settings.TAX_EXPORT_DIR, "110101")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"1 个税务主管部门导出失败（110101）.*其余 1 个已导出"):
        call_command("export_tax", "--all", stdout=out, stderr=err)
    assert "authority 110101: 导出目录所在磁盘空间不足" in err.getvalue()
    assert "authority 110105 batch 1: 1 records" in out.getvalue()
    assert list(ExportBatch.objects.values_list("authority", flat=True)) == ["110105"]
    assert entries(settings.TAX_EXPORT_DIR) == ["tax_110105_000001.csv"]
    assert exports.queued("110101").count() == 2


def test_an_unwritable_folder_is_named_too(units, settings):
    denied = OSError(errno.EACCES, os.strerror(errno.EACCES))
    with mock.patch.object(Path, "mkdir", side_effect=denied), pytest.raises(CommandError, match="导出目录不可写"):
        run("--authority", "110105")
    assert not ExportBatch.objects.exists()


def test_the_task_fails_with_the_same_message_and_marks_nothing(units, settings):
    full_disk_for(settings.TAX_EXPORT_DIR, "110105")
    with pytest.raises(exports.ExportError, match="磁盘空间不足"):
        export_tax_batch.call("110105")
    assert Declaration.objects.get(employer=units[2]).status == "declared"
    assert entries(settings.TAX_EXPORT_DIR) == []
