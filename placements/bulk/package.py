"""Is the upload an .xlsx workbook we may open? Judged by its content, never by its name (docs/bulk-import.md).

Refused, each with its Chinese answer: empty, larger than ``MAX_BYTES``, not a ZIP (a CSV renamed, an image, a PDF,
an .xls or an encrypted workbook, which are OLE2 files), a ZIP that is not a spreadsheet, macros (vbaProject.bin,
macro-enabled content types), external links, encrypted members, and archives that would unpack to far more than
they weigh (ZIP bombs). Pure: imports no Django."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from placements.bulk.layout import MAX_BYTES

MAX_UNPACKED = 600 * 1024 * 1024  # the whole archive unpacked (100,000 rows ≈ 60 MB of sheet XML)
MAX_RATIO = 300  # unpacked / packed size of one member


class NotAWorkbook(ValueError):
    """The upload is refused as a whole (message in Chinese)."""


@dataclass(frozen=True)
class Package:
    data: bytes
    merged: dict[str, list[str]]  # worksheet path inside the archive → its merged ranges ("A2:A3")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def too_big(size: int) -> str:
    return f"文件大小超过 {_mb(MAX_BYTES)}（当前 {_mb(size)}）。请分成几个文件导入，每个文件不超过 {_mb(MAX_BYTES)}。"


def _what_else(head: bytes) -> str:
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            "这是旧版 Excel 97-2003 工作簿（.xls）或设置了打开密码的工作簿，不能读取。"
            "请在 Excel 中去除密码，并“另存为”Excel 工作簿（*.xlsx）后上传。"
        )
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")) or head[8:12] == b"WEBP":
        return "这是图片文件，不是 Excel 工作簿。请下载导入模板，填写后上传 .xlsx 文件。"
    if head.startswith(b"%PDF-"):
        return "这是 PDF 文件，不是 Excel 工作簿。请下载导入模板，填写后上传 .xlsx 文件。"
    try:
        head.decode("utf-8")
        textual = True
    except UnicodeDecodeError:
        textual = all(b >= 0x20 or b in b"\t\r\n" for b in head[:64])
    if textual or head.startswith(b"\xef\xbb\xbf"):
        return (
            "这是文本文件（如 CSV），不是 Excel 工作簿；修改扩展名无效。"
            "请在 Excel 中打开后“另存为”Excel 工作簿（*.xlsx），或直接使用导入模板填写。"
        )
    return "文件不是 Excel 工作簿（.xlsx），请下载导入模板，填写后上传。"


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def _merged_ranges(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The merged ranges of one worksheet, read in chunks (a sheet of 100,000 rows is never held whole)."""
    found: list[str] = []
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(1 << 20):
            block = tail + chunk
            if b"mergeCell" in block:
                found.extend(m.decode() for m in _MERGE.findall(block))
            tail = block[-200:]
    return list(dict.fromkeys(found))


def inspect(data: bytes) -> Package:
    """Check the bytes of an upload; raise :class:`NotAWorkbook` or return the package."""
    if not data:
        raise NotAWorkbook("文件为空，请重新选择。")
    if len(data) > MAX_BYTES:
        raise NotAWorkbook(too_big(len(data)))
    if not data.startswith(b"PK\x03\x04"):
        raise NotAWorkbook(_what_else(data[:512]))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise NotAWorkbook("文件已损坏，无法作为 Excel 工作簿打开。请在 Excel 中重新保存为 .xlsx 后上传。") from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise NotAWorkbook("文件不是 Excel 工作簿（可能是 Word 文档或其他压缩文件）。请使用导入模板填写后上传。")
    if any(info.flag_bits & 0x1 for info in infos):
        raise NotAWorkbook("文件已加密，不能读取。请去除密码后重新保存为 .xlsx 上传。")
    if sum(info.file_size for info in infos) > MAX_UNPACKED or any(
        info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 10 * 1024 * 1024 for info in infos
    ):
        raise NotAWorkbook("文件解压后过大（可能是异常构造的文件），不能读取。请使用导入模板重新填写。")
    content_types = archive.read("[Content_Types].xml")
    lowered = {name.lower() for name in names}
    if (
        any(name.endswith("vbaproject.bin") for name in lowered)
        or b"macroEnabled" in content_types
        or b"vbaProject" in content_types
    ):
        raise NotAWorkbook(
            "文件包含宏（VBA 代码），出于安全考虑不能导入。请在 Excel 中“另存为”不含宏的 Excel 工作簿（*.xlsx）后上传。"
        )
    if any(name.startswith("xl/externallinks/") for name in lowered) or b"externalLink" in content_types:
        raise NotAWorkbook(
            "文件包含指向其他工作簿的外部链接，不能导入。请在 Excel 中“数据 → 编辑链接 → 断开链接”，"
            "保存后重新上传（单元格只保留数值）。"
        )
    merged = {
        name: ranges
        for name in sorted(names)
        if name.startswith("xl/worksheets/") and name.endswith(".xml")
        for ranges in [_merged_ranges(archive, name)]
        if ranges
    }
    return Package(data, merged)
