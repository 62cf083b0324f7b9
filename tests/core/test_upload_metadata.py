"""Uploads keep no metadata and no script (issue 12): crafted JPEGs with a COM segment holding ``<script>``, EXIF, XMP,
ICC and Photoshop segments; PNGs with text and ICC chunks; PDFs whose link annotations point to ``javascript:``."""

from io import BytesIO

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from core import uploads

SCRIPT = b"<script>alert(document.cookie)</script>"


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _plain_jpeg(size=(40, 30), color=(30, 120, 200)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", quality=95)
    return out.getvalue()


def _with_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """``jpeg`` with raw segments written right after SOI, as an editor or an attacker would put them."""
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def _markers(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, first bytes of the payload) of every segment before the first scan."""
    found, i = [], 2
    while True:
        marker = jpeg[i + 1]
        length = int.from_bytes(jpeg[i + 2 : i + 4], "big")
        found.append((marker, jpeg[i + 4 : i + 4 + min(length - 2, 12)]))
        if marker == 0xDA:
            return found
        i += 2 + length


def _clean(data: bytes, name: str, content_type: str) -> bytes:
    return uploads.inspect_upload(SimpleUploadedFile(name, data, content_type=content_type)).data


def _assert_no_metadata(jpeg: bytes) -> None:
    markers = _markers(jpeg)
    assert 0xFE not in [m for m, _ in markers], "COM segment kept"
    app = [(m, head) for m, head in markers if 0xE0 <= m <= 0xEF]
    assert app == [(0xE0, app[0][1])] and app[0][1].startswith(b"JFIF\x00"), f"APPn kept: {app}"


def test_a_comment_segment_with_a_script_does_not_survive():
    crafted = _with_segments(_plain_jpeg(), _segment(0xFE, SCRIPT))
    with Image.open(BytesIO(crafted)) as image:
        assert image.info["comment"] == SCRIPT  # Pillow reads it — and used to write it back on re-encoding
    clean = _clean(crafted, "照片.jpg", "image/jpeg")
    assert b"<script" not in clean.lower()
    _assert_no_metadata(clean)
    with Image.open(BytesIO(clean)) as image:
        assert image.size == (40, 30) and "comment" not in image.info


def test_every_metadata_segment_is_dropped():
    exif = Image.Exif()
    exif[0x010E] = "GPS 39.9N 116.4E <script>"  # ImageDescription
    exif_out = BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(exif_out, format="JPEG", exif=exif.tobytes())
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:description>" + SCRIPT + b"</dc:description></x:xmpmeta>"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    crafted = _with_segments(
        exif_out.getvalue(),
        _segment(0xE1, xmp),
        _segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + icc),
        _segment(0xED, b"Photoshop 3.0\x008BIM" + SCRIPT),
        _segment(0xE0, b"JFXX\x00" + SCRIPT),  # an APP0 that is not the JFIF header
        _segment(0xEF, SCRIPT),
        _segment(0xFE, b"second comment " + SCRIPT),
    )
    assert {m for m, _ in _markers(crafted)} >= {0xE0, 0xE1, 0xE2, 0xED, 0xEF, 0xFE}
    clean = _clean(crafted, "扫描件.jpeg", "image/jpeg")
    _assert_no_metadata(clean)
    for text in (b"<script", b"GPS", b"xmpmeta", b"ICC_PROFILE", b"8BIM", b"JFXX"):
        assert text not in clean
    with Image.open(BytesIO(clean)) as image:
        assert image.size == (40, 30)
        assert not image.getexif() and "icc_profile" not in image.info
        r, g, b = image.getpixel((20, 15))
        assert abs(r - 30) < 12 and abs(g - 120) < 12 and abs(b - 200) < 12  # sRGB in, the same colour out


def test_a_wide_gamut_image_is_converted_to_srgb_before_its_profile_is_dropped():
    """The profile is not kept (it can carry any bytes): its colours are applied to the pixels first."""
    lab_like = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    assert lab_like  # a profile Pillow cannot use for RGB: the pixels stay, the profile still goes
    out = BytesIO()
    Image.new("RGB", (10, 10), (10, 200, 10)).save(out, format="JPEG", icc_profile=lab_like)
    clean = _clean(out.getvalue(), "a.jpg", "image/jpeg")
    _assert_no_metadata(clean)
    with Image.open(BytesIO(clean)) as image:
        assert "icc_profile" not in image.info and image.getpixel((5, 5))[1] > 150


def test_png_text_and_icc_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    meta = PngInfo()
    meta.add_text("Comment", SCRIPT.decode())
    meta.add_itxt("Description", "<script>x()</script>", zip=True)
    out = BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGBA", (20, 20), (0, 120, 200, 128)).save(out, format="PNG", pnginfo=meta, icc_profile=icc)
    crafted = out.getvalue()
    assert b"tEXt" in crafted and b"iCCP" in crafted
    clean = _clean(crafted, "图.png", "image/png")
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"iCCP", b"eXIf", b"<script"):
        assert chunk not in clean
    with Image.open(BytesIO(clean)) as image:
        assert image.mode == "RGBA" and image.getpixel((3, 3)) == (0, 120, 200, 128)


@pytest.mark.parametrize(
    "segments",
    [
        [b"\xff\xd8", b"\xff\xfe\x00"],  # a length cut off
        [b"\xff\xd8", b"\xff\xe1\x00\x10abc"],  # a segment longer than the file
        [b"\xff\xd8", b"\x00\x00"],  # no marker where one must be
    ],
)
def test_strip_jpeg_metadata_refuses_what_it_cannot_walk(segments):
    with pytest.raises(ValueError):
        uploads.strip_jpeg_metadata(b"".join(segments))


def test_strip_jpeg_metadata_keeps_fill_bytes_and_the_scan_intact():
    jpeg = _plain_jpeg()
    scan = jpeg.index(b"\xff\xda")
    crafted = jpeg[:2] + b"\xff\xff" + _segment(0xFE, SCRIPT) + jpeg[2:]
    stripped = uploads.strip_jpeg_metadata(crafted)
    assert stripped.endswith(jpeg[scan:]) and SCRIPT not in stripped
    with Image.open(BytesIO(stripped)) as image:
        image.load()
        assert image.size == (40, 30)


# --- PDFs: link actions ---------------------------------------------------------------------------------------


def _pdf_with_links(*uris: str, indirect: bool = False) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    annots = []
    for n, uri in enumerate(uris):
        action = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(uri))
        if indirect:
            action = pdf.make_indirect(action)
        annots.append(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=pikepdf.Array([0, 100 * n, 100, 100 * n + 50]),
                A=action,
            )
        )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array(annots))
    out = BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _link_targets(data: bytes) -> list[str | None]:
    with pikepdf.open(BytesIO(data)) as pdf:
        return [str(a.A.URI) if "/A" in a else None for a in pdf.pages[0].obj.Annots]


@pytest.mark.parametrize("indirect", [False, True], ids=["direct-action", "indirect-action"])
def test_javascript_links_are_removed_from_pdfs_and_web_links_kept(indirect):
    uris = [
        "javascript:app.alert(1)",
        "https://www.cdpf.org.cn/",
        " JavaScript:this.exportDataObject({cName: 'x'})",
        "java\tscript:alert(2)",
        "file:///C:/Windows/System32/cmd.exe",
        "mailto:service@example.gov.cn",
        "data:text/html,<script>alert(3)</script>",
        "http://example.gov.cn/notice",
        "vbscript:msgbox(1)",
    ]
    crafted = _pdf_with_links(*uris, indirect=indirect)
    assert b"javascript:app.alert" in crafted
    clean = _clean(crafted, "协议.pdf", "application/pdf")
    assert _link_targets(clean) == [
        None,
        "https://www.cdpf.org.cn/",
        None,
        None,
        None,
        "mailto:service@example.gov.cn",
        None,
        "http://example.gov.cn/notice",
        None,
    ]
    lowered = clean.lower()
    for text in (b"javascript:", b"java\tscript", b"file:///", b"data:text/html", b"vbscript:"):
        assert text not in lowered


def test_a_javascript_name_tree_open_action_and_additional_actions_are_removed():
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')")))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js])))
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("javascript:alert(1)"))
    pdf.Root.AA = pikepdf.Dictionary(WC=js)
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=js)
    out = BytesIO()
    pdf.save(out, compress_streams=False)
    clean = _clean(out.getvalue(), "a.pdf", "application/pdf")
    assert b"app.alert" not in clean and b"javascript:" not in clean.lower()
    with pikepdf.open(BytesIO(clean)) as result:
        assert "/OpenAction" not in result.Root and "/AA" not in result.Root and "/AA" not in result.pages[0].obj
        assert "/JavaScript" not in result.Root.get("/Names", pikepdf.Dictionary())
