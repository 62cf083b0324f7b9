"""Small real files (built in memory): bytes for the upload pipeline's tests and ready-made uploads."""

import struct
import zlib
from io import BytesIO

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import CleanFile, inspect_upload


def jpeg_bytes(size=(40, 30), exif_text: str | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = BytesIO()
    params = {}
    if exif_text:
        exif = Image.Exif()
        exif[0x010E] = exif_text  # ImageDescription
        exif[0x0112] = 1  # Orientation
        params["exif"] = exif.tobytes()
    image.save(out, format="JPEG", **params)
    return out.getvalue()


def png_bytes(size=(20, 20), color=(0, 120, 200, 128)) -> bytes:
    out = BytesIO()
    Image.new("RGBA" if len(color) == 4 else "RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def png_upload(name: str = "证明.png", color=(200, 30, 30)) -> SimpleUploadedFile:
    """A small PNG as the browser sends it."""
    return SimpleUploadedFile(name, png_bytes((40, 30), color), content_type="image/png")


def pdf_upload(name: str = "证明.pdf") -> SimpleUploadedFile:
    """A one-page PDF as the browser sends it."""
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def clean_png(name: str = "证明.png") -> CleanFile:
    """A PNG that went through the upload checks (what a form's SafeFileField hands to a service)."""
    return inspect_upload(png_upload(name))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes declaring a 10-gigapixel image (1-bit greyscale)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def pdf_bytes(*, javascript: bool = False, embedded: bool = False, launch: bool = False, password: str = "") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if javascript:
        action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')")))
        pdf.Root.OpenAction = action
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("init"), action]))
        )
        pdf.pages[0].obj.AA = pikepdf.Dictionary(O=action)
    if launch:
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([0, 0, 100, 100]),
            A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")),
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([link])
    if embedded:
        stream = pdf.make_stream(b"MZ embedded payload")
        spec = pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F=pikepdf.String("payload.exe"), EF=pikepdf.Dictionary(F=stream)
        )
        names = pdf.Root.get("/Names") or pikepdf.Dictionary()
        names.EmbeddedFiles = pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("payload.exe"), spec]))
        pdf.Root.Names = names
    out = BytesIO()
    encryption = pikepdf.Encryption(owner=password or "o", user=password) if password else False
    pdf.save(out, encryption=encryption, compress_streams=False)
    return out.getvalue()


def pdf_has_active_content(data: bytes) -> list[str]:
    """Names of active-content keys found anywhere in the PDF's objects."""
    found = []
    bad = {"/JS", "/JavaScript", "/OpenAction", "/AA", "/EmbeddedFiles", "/EF"}
    with pikepdf.open(BytesIO(data)) as pdf:
        for obj in [*pdf.objects, pdf.trailer]:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                stack = [obj]
                while stack:
                    cur = stack.pop()
                    if isinstance(cur, pikepdf.Dictionary | pikepdf.Stream):
                        for key in list(cur.keys()):
                            if key in bad:
                                found.append(key)
                            if str(cur.get("/S", "")) in {"/JavaScript", "/Launch"}:
                                found.append(str(cur.get("/S")))
                            child = cur[key]
                            if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect:
                                stack.append(child)
                    elif isinstance(cur, pikepdf.Array):
                        stack.extend(
                            i for i in cur if isinstance(i, pikepdf.Dictionary | pikepdf.Array) and not i.is_indirect
                        )
    return found
