"""The upload pipeline every upload goes through (docs/adr/0003-uploads.md).

1. size: at most ``settings.UPLOAD_MAX_BYTES`` (10 MB), counted while reading;
2. type by content: JPEG / PNG / PDF magic bytes (the file name is ignored);
3. images decoded with Pillow and re-encoded from the pixels alone (EXIF rotation applied, colours converted to
   sRGB, then every metadata segment dropped: no COM, no APP1–APP15 — EXIF, XMP, ICC, Photoshop —, only libjpeg's
   JFIF APP0 header; PNG text and ICC chunks likewise; oversized / decompression bombs refused), PDFs opened with
   pikepdf and sanitised (JavaScript and its name tree, automatic actions, launch actions, links to anything but
   http(s)/mailto, embedded files and XFA removed; encrypted or broken files refused);
4. stored under a random name through Django's storage API as a :class:`core.models.StoredFile` row.

Steps 1–3 (:func:`inspect_upload`) happen before anything is written, so a refused file leaves nothing behind.
Forms use :class:`SafeFileField`, which runs them in ``clean()`` so the Chinese error shows beside the field; the
service then calls :func:`store_upload` with the cleaned value.
"""

import hashlib
import os
import unicodedata
import warnings
from dataclasses import dataclass
from io import BytesIO

import pikepdf
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core import audit
from core.actors import Actor
from core.models import StoredFile

# 60 megapixels: more than any phone camera or A4 scan at 600 dpi (≈ 35 MP); far less than a bomb.
MAX_IMAGE_PIXELS = 60_000_000
ACCEPT_ATTR = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"
HELP_TEXT = "支持 JPG、PNG、PDF 格式，单个文件不超过 10 MB。"

MSG_EMPTY = "文件为空，请重新选择。"
MSG_TOO_BIG = "文件大小超过 {limit}，请压缩后重新上传（当前 {size}）。"
MSG_TYPE = "文件格式不支持：只能上传 JPG、PNG 图片或 PDF 文件（按文件内容判断，修改扩展名无效）。"
MSG_IMAGE_BROKEN = "图片文件已损坏或无法识别，请重新导出后上传。"
MSG_IMAGE_BOMB = "图片尺寸过大（超过 6000 万像素），请缩小后重新上传。"
MSG_PDF_ENCRYPTED = "PDF 文件已加密或设置了密码，请去除密码后重新上传。"
MSG_PDF_BROKEN = "PDF 文件已损坏或无法打开，请重新导出后上传。"

_TYPES = {
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
    "pdf": ("application/pdf", "pdf"),
}

# PDF keys that run code, act by themselves or carry other files. Removed wherever they appear.
_PDF_DANGEROUS_KEYS = ("/JS", "/JavaScript", "/AA", "/OpenAction", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent")
# Actions that reach outside the document or run something; links (/URI, /GoTo, /Named) stay.
_PDF_DANGEROUS_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/ResetForm",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
# The only schemes a /URI link action may point to; javascript:, file:, data: … links are removed.
_PDF_ALLOWED_URI_PREFIXES = ("http://", "https://", "mailto:")
_PDF_DANGEROUS_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"})


@dataclass(frozen=True)
class CleanFile:
    """A file that passed the checks: the bytes to store (re-encoded / sanitised) and what they are."""

    data: bytes
    content_type: str
    extension: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def sniff(head: bytes) -> str | None:
    """``"jpeg"``, ``"png"``, ``"pdf"`` or None, from the first bytes of the content."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def _read_limited(uploaded: UploadedFile, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes (the declared size is not trusted)."""
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError(MSG_TOO_BIG.format(limit=_human(limit), size=_human(declared)), code="too_big")
    uploaded.seek(0)
    chunks, total = [], 0
    for chunk in uploaded.chunks():
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise ValidationError(MSG_TOO_BIG.format(limit=_human(limit), size=_human(total)), code="too_big")
    return b"".join(chunks)


def safe_original_name(name: str, extension: str) -> str:
    """The base name without path or control characters, ending in the extension of the real content."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem = os.path.splitext(base)[0].strip() or "附件"
    return f"{stem[:200]}.{extension}"


def _to_srgb(image: Image.Image) -> Image.Image:
    """The image with its embedded ICC profile applied (so dropping the profile keeps the colours), else as is."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "L", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile: keep the pixels as they are, the profile is dropped anyway


# JPEG markers without a length (SOI, EOI, RSTn, TEM); every other marker before the scan has a 2-byte length.
_JPEG_STANDALONE = {0xD8, 0xD9, 0x01, *range(0xD0, 0xD8)}


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without COM and APP1–APP15 segments (and any APP0 that is not the JFIF header).

    Pillow copies a decoded comment into the file it writes, and libraries add EXIF, XMP, ICC or Photoshop blocks;
    these segments can carry any text (a ``<script>`` included). Only the segments before the first scan are
    walked: the entropy-coded data after SOS holds no markers but RSTn and stuffed 0xFF00.
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out, i = [data[:2]], 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("JPEG marker expected")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_STANDALONE:
            out.append(data[i : i + 2])
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segment = data[i : i + 2 + length]
        if len(segment) != 2 + length or length < 2:
            raise ValueError("truncated JPEG segment")
        if marker == 0xDA:  # SOS: the rest is the scan(s) and EOI
            out.append(data[i:])
            break
        is_jfif = marker == 0xE0 and segment[4:9] == b"JFIF\0"
        if not (marker == 0xFE or (0xE0 <= marker <= 0xEF and not is_jfif)):
            out.append(segment)
        i += 2 + length
    return b"".join(out)


def _reencode_image(data: bytes, kind: str) -> bytes:
    pil_format = "JPEG" if kind == "jpeg" else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[pil_format]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError(MSG_IMAGE_BOMB, code="image_bomb")
                image.load()
                image = _to_srgb(ImageOps.exif_transpose(image))
                transparency = image.info.get("transparency")
                image.info = {}  # Pillow writes a decoded comment (and ICC, XMP) back unless told otherwise
                out = BytesIO()
                if pil_format == "JPEG":
                    if image.mode not in ("RGB", "L"):
                        image = image.convert("RGB")
                    image.save(out, format="JPEG", quality=90, optimize=True)
                    return strip_jpeg_metadata(out.getvalue())
                else:
                    params = {}
                    if transparency is not None:
                        params["transparency"] = transparency
                    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                        image = image.convert("RGBA")
                    image.save(out, format="PNG", **params)
                return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(MSG_IMAGE_BOMB, code="image_bomb") from None
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise ValidationError(MSG_IMAGE_BROKEN, code="image_broken") from None


def _is_allowed_uri(value: pikepdf.Object | None) -> bool:
    """An http(s) or mailto: target. Whitespace and control characters are ignored, as readers ignore them (a tab
    inside "javascript:" still makes a javascript: link); anything else, a relative or unreadable target too, is not."""
    if not isinstance(value, pikepdf.String):
        return False
    text = "".join(ch for ch in str(value) if not ch.isspace() and unicodedata.category(ch)[0] != "C").lower()
    return text.startswith(_PDF_ALLOWED_URI_PREFIXES)


def _is_dangerous_action(value: pikepdf.Object) -> bool:
    if not isinstance(value, pikepdf.Dictionary):
        return False
    kind = str(value.get("/S", ""))
    return kind in _PDF_DANGEROUS_ACTIONS or (kind == "/URI" and not _is_allowed_uri(value.get("/URI")))


def _clean_pdf_object(obj: pikepdf.Object) -> None:
    """Strip dangerous keys and actions from a dictionary (or a stream's dictionary) and its direct children.

    Indirect children are not followed: every indirect object is visited on its own (``pdf.objects``), and direct
    objects cannot form cycles.
    """
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, pikepdf.Dictionary | pikepdf.Array) and not item.is_indirect:
                _clean_pdf_object(item)
        return
    if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return
    for key in _PDF_DANGEROUS_KEYS:
        if key in obj:
            del obj[key]
    for key in ("/A", "/Next"):
        if key in obj:
            value = obj[key]
            if _is_dangerous_action(value) or (
                isinstance(value, pikepdf.Array) and any(_is_dangerous_action(v) for v in value)
            ):
                del obj[key]
    if _is_dangerous_action(obj):
        for key in ("/F", "/Win", "/Mac", "/Unix", "/Fields", "/URI"):
            if key in obj:
                del obj[key]
    for key in list(obj.keys()):
        child = obj[key]
        if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect:
            _clean_pdf_object(child)


def _sanitise_pdf(data: bytes) -> bytes:
    try:
        pdf = pikepdf.open(BytesIO(data))
    except pikepdf.PasswordError:
        raise ValidationError(MSG_PDF_ENCRYPTED, code="pdf_encrypted") from None
    except (pikepdf.PdfError, ValueError, OSError, RuntimeError):
        raise ValidationError(MSG_PDF_BROKEN, code="pdf_broken") from None
    with pdf:
        if pdf.is_encrypted:  # opened with an empty user password but restricted by an owner password
            raise ValidationError(MSG_PDF_ENCRYPTED, code="pdf_encrypted")
        try:
            if len(pdf.pages) == 0:
                raise ValidationError(MSG_PDF_BROKEN, code="pdf_broken")
            for page in pdf.pages:
                annots = page.obj.get("/Annots")
                if isinstance(annots, pikepdf.Array):
                    kept = [a for a in annots if str(a.get("/Subtype", "")) not in _PDF_DANGEROUS_ANNOTATIONS]
                    if len(kept) != len(annots):
                        page.obj["/Annots"] = pikepdf.Array(kept)
            _clean_pdf_object(pdf.trailer)
            for obj in pdf.objects:
                _clean_pdf_object(obj)
            out = BytesIO()
            pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True)
        except ValidationError:
            raise
        except (pikepdf.PdfError, ValueError, OSError, RuntimeError, KeyError, TypeError):
            raise ValidationError(MSG_PDF_BROKEN, code="pdf_broken") from None
    return out.getvalue()


def inspect_upload(uploaded: UploadedFile, max_bytes: int | None = None) -> CleanFile:
    """Check and clean an upload without writing anything. Raises ``ValidationError`` with a Chinese message."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    data = _read_limited(uploaded, limit)
    if not data:
        raise ValidationError(MSG_EMPTY, code="empty")
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationError(MSG_TYPE, code="type")
    cleaned = _sanitise_pdf(data) if kind == "pdf" else _reencode_image(data, kind)
    content_type, extension = _TYPES[kind]
    return CleanFile(cleaned, content_type, extension, safe_original_name(uploaded.name, extension))


@transaction.atomic
def store_upload(
    *, uploaded_file: UploadedFile | CleanFile, kind: str, employer=None, by: Actor | None = None
) -> StoredFile:
    """Check (unless already cleaned by :class:`SafeFileField`) and store an upload; audited as ``file.upload``.

    If the database write fails the stored bytes are removed again. (If an *outer* transaction rolls back later,
    the file stays in storage without a row; such orphans are harmless and unreachable, and
    ``manage.py sweep_uploads`` removes them.)
    """
    clean = uploaded_file if isinstance(uploaded_file, CleanFile) else inspect_upload(uploaded_file)
    stored = StoredFile(
        original_name=clean.original_name,
        content_type=clean.content_type,
        extension=clean.extension,
        size=clean.size,
        sha256=clean.sha256,
        kind=kind,
        employer=employer,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    stored.file.save(f"upload.{clean.extension}", ContentFile(clean.data), save=False)
    try:
        stored.save()
        audit.record(actor=by, action="file.upload", obj=stored, changes={"kind": {"before": None, "after": kind}})
    except Exception:
        stored.file.delete(save=False)
        raise
    return stored


class SafeFileField(forms.FileField):
    """A file field whose cleaned value is a :class:`CleanFile` (the pipeline's checks run in ``clean``)."""

    default_error_messages = {
        "required": "请选择要上传的文件。",
        "empty": MSG_EMPTY,
        "invalid": "没有提交文件，请检查表单的编码类型。",
        "missing": "没有提交文件。",
        "max_length": "文件名过长（最多 %(max)d 个字符，当前 %(length)d 个）。",
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", HELP_TEXT)
        kwargs.setdefault("widget", forms.FileInput)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTR)

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            return inspect_upload(value)
        return value


# The policy of a served upload: nothing runs in it (an SVG or HTML smuggled past the checks would not execute).
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def stored_file_response(stored: StoredFile, *, inline: bool = False) -> FileResponse:
    """A stored upload as a download (``inline``: shown in the browser), never cached, never sniffed.

    The caller has decided that the user may see it. A file missing from storage is 404.
    """
    try:
        handle = stored.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=stored.content_type, as_attachment=not inline, filename=stored.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = FILE_CSP
    return response
