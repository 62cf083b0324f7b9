"""The upload pipeline: each refusal, the re-encoding, the PDF sanitising, and storing."""

from io import BytesIO

import pikepdf
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import uploads
from core.models import AuditEvent, StoredFile
from tests.factories import files


def _upload(data: bytes, name: str = "证明.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _refusal(data: bytes, name: str = "证明.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as info:
        uploads.inspect_upload(_upload(data, name))
    return info.value


def test_jpeg_is_reencoded_without_metadata():
    original = files.jpeg_bytes(exif_text="GPS secret 39.9N 116.4E")
    assert b"GPS secret" in original
    clean = uploads.inspect_upload(_upload(original, "相机照片.JPG"))
    assert (clean.content_type, clean.extension, clean.original_name) == ("image/jpeg", "jpg", "相机照片.jpg")
    assert b"GPS secret" not in clean.data
    with Image.open(BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and image.size == (40, 30)
        assert not image.getexif()


def test_png_with_a_jpg_name_is_judged_by_content():
    clean = uploads.inspect_upload(_upload(files.png_bytes(), "scan.jpg"))
    assert (clean.content_type, clean.extension, clean.original_name) == ("image/png", "png", "scan.png")


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00",
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04 a zip archive",
        b"MZ\x90\x00 an executable",
    ],
    ids=["gif", "html", "zip", "exe"],
)
def test_wrong_type_renamed_to_jpg_is_refused(data):
    error = _refusal(data, "合同.jpg")
    assert error.code == "type"
    assert "只能上传 JPG、PNG 图片或 PDF 文件" in error.messages[0]


@pytest.mark.django_db
def test_ten_megabytes_plus_one_byte_is_refused_and_nothing_is_saved(settings, employer, _uploads_in_tmp):
    limit = settings.UPLOAD_MAX_BYTES
    assert limit == 10 * 1024 * 1024
    data = files.jpeg_bytes() + b"\x00" * (limit + 1 - len(files.jpeg_bytes()))
    assert len(data) == limit + 1
    error = _refusal(data)
    assert error.code == "too_big"
    assert "超过 10.0 MB" in error.messages[0]
    with pytest.raises(ValidationError):
        uploads.store_upload(uploaded_file=_upload(data), kind="test", employer=employer, by=None)
    assert not StoredFile.objects.exists()
    assert not any(p.is_file() for p in _uploads_in_tmp.rglob("*"))


def test_size_counted_while_reading_even_if_declared_size_lies():
    upload = _upload(b"\xff\xd8\xff" + b"\x00" * 2000)
    upload.size = 10  # a client lying about the size
    with pytest.raises(ValidationError) as info:
        uploads.inspect_upload(upload, max_bytes=1000)
    assert info.value.code == "too_big"


def test_exactly_the_limit_is_accepted_by_the_size_check():
    data = files.png_bytes()
    assert uploads.inspect_upload(_upload(data, "a.png"), max_bytes=len(data)).extension == "png"


def test_decompression_bomb_is_refused():
    bomb = files.png_bomb()
    assert len(bomb) < 1000
    error = _refusal(bomb, "tiny.png")
    assert error.code == "image_bomb"
    assert "图片尺寸过大" in error.messages[0]


def test_pillow_bomb_warning_is_an_error(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 10**12)  # let Pillow's own guard speak
    error = _refusal(files.png_bomb(), "tiny.png")
    assert error.code == "image_bomb"


def test_broken_image_is_refused():
    error = _refusal(files.jpeg_bytes()[:40], "cut.jpg")
    assert error.code == "image_broken"


def test_empty_file_is_refused():
    assert _refusal(b"").code == "empty"


def test_pdf_with_javascript_is_sanitised():
    dirty = files.pdf_bytes(javascript=True, embedded=True, launch=True)
    assert set(files.pdf_has_active_content(dirty)) >= {"/JS", "/OpenAction", "/AA", "/EmbeddedFiles", "/Launch"}
    clean = uploads.inspect_upload(_upload(dirty, "协议.pdf", "application/pdf"))
    assert (clean.content_type, clean.extension) == ("application/pdf", "pdf")
    assert files.pdf_has_active_content(clean.data) == []
    assert b"MZ embedded payload" not in clean.data
    with pikepdf.open(BytesIO(clean.data)) as pdf:
        assert len(pdf.pages) == 1
        assert len(pdf.pages[0].obj.Annots) == 1  # the link stays, its launch action is gone
        assert "/A" not in pdf.pages[0].obj.Annots[0]


def test_encrypted_pdf_is_refused():
    error = _refusal(files.pdf_bytes(password="secret"), "locked.pdf")
    assert error.code == "pdf_encrypted"
    assert "加密" in error.messages[0]


def test_owner_password_only_pdf_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user=""))
    assert _refusal(out.getvalue(), "restricted.pdf").code == "pdf_encrypted"


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage without objects", b"%PDF-1.4\n" + b"\x00" * 200])
def test_broken_pdf_is_refused(data):
    assert _refusal(data, "broken.pdf").code == "pdf_broken"


@pytest.mark.parametrize(
    ("name", "ext", "expected"),
    [
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("C:\\Users\\me\\合同 扫描件.PNG", "png", "合同 扫描件.png"),
        ("evil.html", "jpg", "evil.jpg"),
        ("", "pdf", "附件.pdf"),
        ("a\x00b\u202e.jpg", "jpg", "ab.jpg"),
    ],
)
def test_safe_original_name(name, ext, expected):
    assert uploads.safe_original_name(name, ext) == expected


@pytest.mark.django_db
def test_store_upload_writes_random_name_and_audit(employer, employer_user, _uploads_in_tmp):
    stored = uploads.store_upload(
        uploaded_file=_upload(files.jpeg_bytes(), "营业执照.jpg"), kind="test", employer=employer, by=employer_user
    )
    assert stored.file.name.startswith(f"uploads/{stored.token[:2]}/{stored.token}")
    assert stored.file.name.endswith(".jpg") and "营业执照" not in stored.file.name
    assert (stored.employer, stored.uploaded_by, stored.kind) == (employer, employer_user, "test")
    assert stored.size == len(stored.file.read())
    assert len(stored.sha256) == 64
    assert (_uploads_in_tmp / stored.file.name).exists()
    assert AuditEvent.objects.filter(action="file.upload", object_id=str(stored.pk)).exists()


@pytest.mark.django_db
def test_store_upload_removes_the_file_when_the_row_fails(employer, monkeypatch, _uploads_in_tmp):
    def boom(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(uploads.audit, "record", boom)
    with pytest.raises(RuntimeError):
        uploads.store_upload(uploaded_file=_upload(files.png_bytes(), "a.png"), kind="t", employer=employer, by=None)
    assert not StoredFile.objects.exists()
    assert not any(p.is_file() for p in _uploads_in_tmp.rglob("*"))


class _ProofForm(forms.Form):
    file = uploads.SafeFileField(label="证明材料")


def test_safe_file_field_shows_the_error_beside_the_field():
    form = _ProofForm(data={}, files={"file": _upload(b"<html></html>", "a.jpg")})
    assert not form.is_valid()
    assert "只能上传" in form.errors["file"][0]
    form = _ProofForm(data={}, files={})
    assert form.errors["file"] == ["请选择要上传的文件。"]
    form = _ProofForm(data={}, files={"file": _upload(files.png_bytes(), "a.png")})
    assert form.is_valid()
    assert isinstance(form.cleaned_data["file"], uploads.CleanFile)
    assert 'accept=".jpg,.jpeg,.png,.pdf' in str(form["file"])
