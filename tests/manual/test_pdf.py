"""core.pdf: rendering with embedded CJK fonts, the font check, QR codes, safe fetching, download headers."""

import base64
import datetime
import io
import time
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pikepdf
import pytest
import segno
from django.core.checks import run_checks

import core.pdf as pdf
from core.pdf import check_fonts, content_disposition, html_to_pdf, pdf_response, qr_svg, render_pdf
from manual.checks import pdf_fonts_check
from tests.manual.conftest import ARTIFACTS, run

CHINESE_PAGE = (
    "<html lang='zh-CN'><body><h1>审核认定书</h1><p>"
    + "用人单位可以通过残疾人安置管理模块完成按比例就业年度申报任务。" * 30
    + "</p></body></html>"
)


def example_context(rows: int = 10) -> dict:
    verify_url = "https://wangbao.example.gov.cn/verify/K7Q2-M9XD-4HTP/"
    return {
        "doc_no": "RZ-110105-2025-000123",
        "unit_name": "北京市示范科技有限公司",
        "uscc": "91110105700000001E",
        "year": 2025,
        "rows": [
            {"name": f"测试人员{i}", "id_masked": "110105********123X", "months": 12, "weight": 2 if i % 3 else 1}
            for i in range(1, rows + 1)
        ],
        "issuer": "北京市朝阳区残疾人联合会",
        "issued_on": datetime.date(2026, 11, 26),
        "verify_url": verify_url,
        "verify_code": "K7Q2-M9XD-4HTP",
        "qr": qr_svg(verify_url, size_mm=24, label="核验二维码"),
    }


def embedded_fonts(path) -> dict[str, tuple[str, str]]:
    """pdffonts: font name → (emb, sub)."""
    rows = run("pdffonts", str(path)).splitlines()[2:]
    fonts = {}
    for row in rows:
        parts = row.split()
        # name, type words…, encoding, emb, sub, uni, object, generation
        fonts[parts[0]] = (parts[-5], parts[-4])
    return fonts


def test_cjk_fonts_are_installed():
    checks = check_fonts()
    assert [check.family for check in checks] == ["Noto Sans CJK SC", "Noto Serif CJK SC"]
    assert all(check.present for check in checks), checks
    assert pdf.fast_subsetting_available()


def test_example_document_embeds_subset_cjk_fonts_and_extracts(tmp_path):
    content = render_pdf("pdf/example.html", example_context())
    assert content.startswith(b"%PDF-")
    path = tmp_path / "example.pdf"
    path.write_bytes(content)
    with pikepdf.open(io.BytesIO(content)) as document:
        assert len(document.pages) == 1
        assert str(document.docinfo["/Title"]) == "按比例就业情况审核认定书（样张）"
    fonts = embedded_fonts(path)
    cjk = {name: flags for name, flags in fonts.items() if "CJK" in name}
    assert any("Noto-Sans-CJK-SC" in name for name in cjk) and any("Noto-Serif-CJK-SC" in name for name in cjk)
    assert all(flags == ("yes", "yes") for flags in fonts.values()), fonts  # every font embedded and subset
    text = run("pdftotext", "-enc", "UTF-8", str(path), "-")
    expected = ("按比例就业情况审核认定书", "北京市示范科技有限公司", "91110105700000001E", "北京市朝阳区残疾人联合会")
    for snippet in expected:
        assert snippet in text.replace(" ", "")
    assert "2026年11月26日" in text.replace(" ", "")
    assert len(content) < 600_000  # subset: the Noto CJK collections are ~20 MB each


def test_one_chinese_page_renders_fast():
    html_to_pdf(CHINESE_PAGE)  # warm up: imports, fontconfig
    best = min(_timed(lambda: html_to_pdf(CHINESE_PAGE)) for _ in range(3))
    # ~0.2 s on an idle machine with libharfbuzz-subset0; the fontTools fallback takes ~20 s. Generous for shared CI.
    assert best < 3.0, f"one page took {best:.2f} s: is libharfbuzz-subset0 installed?"


def _timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def test_example_png_for_a_person_to_look_at():
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "pdf-example.pdf"
    path.write_bytes(render_pdf("pdf/example.html", example_context(rows=40)))
    run("pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "pdf-example"))
    pngs = sorted(ARTIFACTS.glob("pdf-example-*.png"))
    assert len(pngs) == 2  # 40 persons flow onto a second page (header row repeated)
    page_two = run("pdftotext", "-f", "2", "-l", "2", "-enc", "UTF-8", str(path), "-")
    assert "身份证号" in page_two and "第2页/共2页" in page_two.replace(" ", "")


# --- QR ---------------------------------------------------------------------------------------------------------


def test_qr_svg_is_inline_svg_sized_in_mm_and_encodes_the_data():
    data = "https://wangbao.example.gov.cn/verify/K7Q2-M9XD-4HTP/"
    svg = qr_svg(data, size_mm=24, label="核验二维码", border=2)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert (root.get("width"), root.get("height"), root.get("role"), root.get("aria-label")) == (
        "24mm",
        "24mm",
        "img",
        "核验二维码",
    )
    width, height = segno.make(data, error="m").symbol_size(scale=1, border=2)
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert data not in svg  # drawn, not written: safe to insert unescaped
    assert qr_svg(data) == qr_svg(data)


def test_qr_svg_escapes_its_label():
    root = ET.fromstring(qr_svg("x", label='"><script>'))
    assert root.get("aria-label") == '"><script>'


# --- fetching ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        "ftp://example.com/x.css",
    ],
)
def test_fetcher_refuses_anything_but_project_files_and_data(url):
    with pytest.raises(ValueError, match="不被允许"):
        pdf._make_url_fetcher().fetch(url)


def test_fetcher_reads_project_files_and_data_urls(settings):
    fetcher = pdf._make_url_fetcher()
    css = (settings.BASE_DIR / "templates" / "pdf" / "base.css").as_uri()
    assert b"@page" in fetcher.fetch(css).read()
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


def _image_count(content: bytes) -> int:
    with pikepdf.open(io.BytesIO(content)) as document:
        return sum(len(page.get_images()) for page in document.pages)


def _png(path) -> bytes:
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(path, "PNG")
    return path.read_bytes()


def test_images_load_from_data_urls_but_not_from_other_files(tmp_path):
    outside = tmp_path / "secret.png"
    encoded = base64.b64encode(_png(outside)).decode()
    assert _image_count(html_to_pdf(f'<img src="data:image/png;base64,{encoded}">')) == 1
    assert _image_count(html_to_pdf(f'<img src="{outside.as_uri()}">')) == 0


def test_a_hostile_unit_name_is_text_not_markup(tmp_path):
    context = example_context()
    context["unit_name"] = '<img src="file:///etc/hostname"><link rel=stylesheet href="http://evil.example/x.css">'
    path = tmp_path / "hostile.pdf"
    path.write_bytes(render_pdf("pdf/example.html", context))
    assert '<img src="file:///etc/hostname">' in run("pdftotext", "-enc", "UTF-8", str(path), "-")


# --- font check ---------------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_font_cache():
    check_fonts.cache_clear()
    yield
    check_fonts.cache_clear()


def test_font_check_reports_missing_family(fresh_font_cache):
    (check,) = check_fonts(("No Such Font CJK XX",))
    assert not check.present
    assert "没有该字体" in check.detail


def test_font_check_without_fontconfig_tools(fresh_font_cache, monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    assert not pdf.cjk_fonts_available()
    assert all("fc-list" in check.detail for check in check_fonts())


def test_system_check_is_silent_when_fonts_are_installed(fresh_font_cache):
    assert pdf_fonts_check() == []
    assert not [m for m in run_checks(tags=["pdf"]) if m.id.startswith("manual.")]


def test_system_check_warns_when_a_font_or_harfbuzz_is_missing(monkeypatch):
    monkeypatch.setattr(
        "manual.checks.check_fonts",
        lambda: (pdf.FontCheck("Noto Sans CJK SC", True, "x"), pdf.FontCheck("Noto Serif CJK SC", False, "缺失")),
    )
    monkeypatch.setattr("manual.checks.fast_subsetting_available", lambda: False)
    messages = pdf_fonts_check()
    assert [m.id for m in messages] == ["manual.W001", "manual.W002"]
    assert "Noto Serif CJK SC" in messages[0].msg and "fonts-noto-cjk" in messages[0].hint


# --- download headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "fallback", "inline", "expected"),
    [
        ("manual.pdf", "manual.pdf", False, 'attachment; filename="manual.pdf"'),
        (
            "审核认定书.pdf",
            "certificate.pdf",
            False,
            'attachment; filename="certificate.pdf"; '
            "filename*=UTF-8''%E5%AE%A1%E6%A0%B8%E8%AE%A4%E5%AE%9A%E4%B9%A6.pdf",
        ),
        (
            "承诺书 2025.pdf",
            "commitment.pdf",
            True,
            "inline; filename=\"commitment.pdf\"; filename*=UTF-8''%E6%89%BF%E8%AF%BA%E4%B9%A6%202025.pdf",
        ),
        ('a";b.pdf', 'x"\\;y.pdf', False, "attachment; filename=\"xy.pdf\"; filename*=UTF-8''a%22%3Bb.pdf"),
        (
            "报告.pdf",
            "报告.pdf",
            False,
            "attachment; filename=\"document.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf",
        ),
    ],
)
def test_content_disposition(filename, fallback, inline, expected):
    assert content_disposition(filename, fallback=fallback, inline=inline) == expected


def test_pdf_response_is_private_by_default():
    response = pdf_response(b"%PDF-1.7 x", "审核认定书.pdf", fallback="certificate.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Length"] == "10"
    assert unquote(response["Content-Disposition"].split("''")[1]) == "审核认定书.pdf"
