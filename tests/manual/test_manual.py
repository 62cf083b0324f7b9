"""The 系统操作手册: the PDF as a reader gets it, the HTML page, the cache, and staying in step with the screens."""

import io
import re
from urllib.parse import unquote

import pikepdf
import pytest
from django.core.management import call_command

import manual.build as build
import manual.content as content
from core.context_processors import NAVIGATION
from manual.build import PDF_FILENAME, fingerprint, get_manual_pdf, render_body
from manual.content import manual_context, screen_facts
from tests.manual.conftest import ARTIFACTS, run

MIN_PAGES = 15


def squeeze(text: str) -> str:
    """pdftotext puts spaces and line breaks inside Chinese runs; compare without them."""
    return re.sub(r"\s+", "", text)


# --- the PDF ------------------------------------------------------------------------------------------------------


def test_manual_is_a_valid_pdf_with_metadata(manual_pdf):
    assert manual_pdf.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(manual_pdf)) as document:
        assert len(document.pages) > MIN_PAGES
        assert "系统操作手册" in str(document.docinfo["/Title"])
        assert document.Root.Lang == "zh-CN"
        outline_titles = [item.title for item in document.open_outline().root]
    # PDF bookmarks for navigation: the front matter and every chapter
    assert "目\u3000录" in outline_titles
    assert any(title.startswith("第 1 章") for title in outline_titles)


def test_chinese_text_extracts(manual_pages_text):
    text = squeeze("".join(manual_pages_text))
    for phrase in (
        "残疾人安置管理",
        "信息校验",
        "安置核定",
        "上传附件",
        "完成登记",
        "导入上一年申报名单",
        "完成申报",
        "审核认定书",
        "年审申报撤回",
        "单位信息维护管理",
        "关联单位",
        "残保金计算器",
        "通知公告",
        "资料待完善",
        "部分审核不通过",
        "已在其他单位登记",
        "该人员安置月数为N个月，是否确认并保存？",
    ):
        assert phrase in text, phrase
    assert "✓" in text and "✗" in text


def test_every_navigation_label_and_url_is_in_the_manual(manual_pages_text):
    text = squeeze("".join(manual_pages_text))
    for _key, label, url in NAVIGATION:
        assert label in text
        assert url in text


def test_facts_come_from_the_code(manual_pages_text):
    text = squeeze("".join(manual_pages_text))
    assert "连续5次输错密码，将被锁定5分钟" in text  # django-axes settings (LOCKOUT_ACCOUNT_COOLOFF)
    assert "新密码至少10位" in text  # AUTH_PASSWORD_VALIDATORS
    assert "不超过10MB" in text  # UPLOAD_MAX_BYTES
    assert "11,700,000.00" in text  # the seed's levy example, computed
    assert "外国人永久居留身份证" in text  # employers.constants.LegalRepIdType
    assert "有限责任(公司)" in text  # employers.constants.EconomicKind


def test_labels_of_the_placements_and_declarations_screens(manual_pages_text):
    from declarations.constants import WITHDRAWAL_REASON_MAX, DeclarationStatus
    from placements.constants import ContractType, PlacementStatus

    facts = screen_facts()  # read from those apps: nothing falls back to a copy when they change
    assert facts["placement_statuses"] and facts["declaration_statuses"] and facts["lookup_limits"]
    text = squeeze("".join(manual_pages_text))
    for label in [*PlacementStatus.labels, *DeclarationStatus.labels, *ContractType.labels, "已审核确认"]:
        assert squeeze(label) in text, label
    assert f"不超过{WITHDRAWAL_REASON_MAX}字" in text
    assert "/verify/<验证码>/" in text


def test_table_of_contents_page_numbers_are_right(manual_pages_layout):
    """Each contents line ends in the page number where that chapter or section heading really is."""
    toc_lines = {}
    for page_text in manual_pages_layout:  # contents lines: "1.1 进入系统 ........ 5" (dot leaders only occur there)
        for line in page_text.splitlines():
            match = re.match(r"^(.+?)\s*\.{3,}\s*(\d+)\s*$", line)
            if match:
                toc_lines[squeeze(match.group(1))] = int(match.group(2))
    context = manual_context()
    _body, outline = render_body(context)
    assert len(toc_lines) == len(outline)  # every chapter and section listed, nothing else
    for entry in outline:
        page = toc_lines[squeeze(entry.text)]
        assert squeeze(entry.text) in squeeze(manual_pages_layout[page - 1]), (entry.text, page)
    chapter_pages = [toc_lines[squeeze(entry.text)] for entry in outline if entry.level == 2]
    assert chapter_pages == sorted(chapter_pages) and len(set(chapter_pages)) == len(chapter_pages)


def test_fonts_are_embedded_and_subset(manual_pdf_path):
    lines = run("pdffonts", str(manual_pdf_path)).splitlines()[2:]
    cjk = [line for line in lines if "Noto-Sans-CJK-SC" in line or "Noto-Serif-CJK-SC" in line]
    assert len(cjk) >= 2
    for line in lines:
        columns = line.split()
        assert columns[-5:-3] == ["yes", "yes"], line  # emb, sub
        assert re.match(r"^[A-Z]{6}\+", columns[0]), line  # subset tag


def test_pages_as_png_for_a_person_to_look_at(manual_pdf_path, manual_pages_text):
    for old in ARTIFACTS.glob("manual-*.png"):
        old.unlink()
    run("pdftoppm", "-r", "60", "-png", str(manual_pdf_path), str(ARTIFACTS / "manual"))
    pngs = sorted(ARTIFACTS.glob("manual-*.png"))
    assert len(pngs) == len(manual_pages_text)
    from PIL import Image

    with Image.open(pngs[0]) as cover:
        width, height = cover.size
        assert abs(width - 496) <= 1 and abs(height - 702) <= 1  # A4 at 60 dpi
        assert cover.convert("L").getextrema()[0] < 100  # not blank


# --- staying in step ---------------------------------------------------------------------------------------------


@pytest.fixture
def renamed_navigation(monkeypatch):
    patched = [(key, "残疾人就业登记" if key == "placements" else label, url) for key, label, url in NAVIGATION]
    patched.append(("newscreen", "新功能", "/new/"))
    monkeypatch.setattr(content, "NAVIGATION", patched)
    return patched


def test_a_renamed_screen_is_renamed_in_the_manual(renamed_navigation):
    body, outline = render_body(manual_context())
    assert "残疾人就业登记" in body
    titles = [entry.text for entry in outline if entry.level == 2]
    assert "第 3 章 残疾人就业登记" in titles
    # a navigation item without its own chapter still gets one, named after the screen
    assert any(title.endswith("新功能") for title in titles)
    assert "/new/" in body


def test_fingerprint_changes_with_the_screens(monkeypatch, renamed_navigation):
    renamed = fingerprint()
    monkeypatch.setattr(content, "NAVIGATION", NAVIGATION)
    assert fingerprint() != renamed
    assert fingerprint() == fingerprint()
    assert re.fullmatch(r"[0-9a-f]{16}", renamed)


# --- cache --------------------------------------------------------------------------------------------------------


@pytest.fixture
def counted_render(monkeypatch):
    calls = []

    def fake_render(context=None):
        calls.append(context)
        return b"%PDF-1.7 fake " + str(len(calls)).encode()

    monkeypatch.setattr(build, "render_manual_pdf", fake_render)
    return calls


def test_rendered_once_then_served_from_the_cache_file(manual_cache, counted_render):
    first = get_manual_pdf()
    second = get_manual_pdf()
    assert (first.rendered, second.rendered) == (True, False)
    assert len(counted_render) == 1
    assert first.content == second.content
    assert first.path == manual_cache / f"manual-{first.fingerprint}.pdf"
    assert not list(manual_cache.glob(".manual-*"))  # no temp file left behind


def test_new_sources_render_a_new_pdf_and_drop_the_old(monkeypatch, manual_cache, counted_render, renamed_navigation):
    old = get_manual_pdf()
    old_path = old.path
    monkeypatch.setattr(content, "NAVIGATION", NAVIGATION)  # the next deploy renames the screen back
    new = get_manual_pdf()
    assert new.fingerprint != old.fingerprint
    assert len(counted_render) == 2
    assert not old_path.exists()
    assert sorted(path.name for path in manual_cache.iterdir()) == [new.path.name]


def test_build_manual_command(manual_cache, counted_render, capsys):
    call_command("build_manual")
    call_command("build_manual", "--output", str(manual_cache / "copy.pdf"))
    out = capsys.readouterr().out
    assert "manual PDF rendered" in out and "manual PDF cached" in out
    assert (manual_cache / "copy.pdf").read_bytes().startswith(b"%PDF")


# --- pages --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_download_is_public_pdf_with_chinese_filename(client, manual_cache, manual_pdf):
    key = fingerprint()
    manual_cache.mkdir(parents=True)
    (manual_cache / f"manual-{key}.pdf").write_bytes(manual_pdf)  # the session's render, as a deploy would leave it

    response = client.get("/manual/manual.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"manual.pdf\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == PDF_FILENAME == "按比例就业网报系统操作手册.pdf"
    assert response.content == manual_pdf
    assert response["ETag"] == f'"manual-{key}"'
    assert "public" in response["Cache-Control"]

    assert client.get("/manual/manual.pdf", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    inline = client.get("/manual/manual.pdf?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
    assert client.head("/manual/manual.pdf").status_code == 200
    assert client.post("/manual/manual.pdf").status_code == 405


@pytest.mark.django_db
def test_manual_page_lists_contents_and_links_the_pdf(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get("/manual/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/manual/manual.pdf"' in html
    assert 'aria-labelledby="manual-toc-title"' in html
    _body, outline = render_body(manual_context())
    for entry in outline:
        assert f'href="#{entry.id}"' in html
        assert f'id="{entry.id}"' in html
    assert "信息校验" in html and "安置核定" in html


@pytest.mark.django_db
def test_manual_page_for_a_logged_in_clerk_marks_the_navigation(employer_client):
    html = employer_client.get("/manual/").content.decode()
    assert 'href="/manual/" aria-current="page"' in html
