"""Pure rules: the sanitiser, the plain-text formatter, region scope codes and search bounds. No database."""

import pytest

from notices.html import format_plain_text, plain_text, sanitize_body
from notices.scope import region_within, scope_codes, search_terms


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<script>alert(1)</script><p>正文</p>", "<p>正文</p>"),
        ('<img src=x onerror="alert(1)">文字', "文字"),
        ('<p onclick="x()" style="color:red" class="c">段落</p>', "<p>段落</p>"),
        ('<a href="javascript:alert(1)">链接</a>', '<a rel="noopener noreferrer">链接</a>'),
        ('<a href="/placements/">相对</a>', '<a rel="noopener noreferrer">相对</a>'),
        ('<a href="//evil.example/">协议相对</a>', '<a rel="noopener noreferrer">协议相对</a>'),
        (
            '<a href="https://www.cdpf.org.cn/" target="_blank">残联</a>',
            '<a href="https://www.cdpf.org.cn/" rel="noopener noreferrer">残联</a>',
        ),
        (
            '<a href="mailto:jiuye@example.cn">邮件</a>',
            '<a href="mailto:jiuye@example.cn" rel="noopener noreferrer">邮件</a>',
        ),
        ("<h1>一级</h1><h2>二级</h2><h5>五级</h5>", "一级<h2>二级</h2>五级"),
        ("<ul><li>一</li></ul><ol><li>二</li></ol>", "<ul><li>一</li></ul><ol><li>二</li></ol>"),
        ("<strong>粗</strong><b>粗</b><em>斜</em><i>斜</i><br>",) * 2,
        ("<blockquote>引用</blockquote>", "<blockquote>引用</blockquote>"),
        ("<iframe src=https://x></iframe><style>p{}</style><table><tr><td>表</td></tr></table>", "表"),
        ("<!-- 注释 --><p>x</p>", "<p>x</p>"),
        ("<svg onload=alert(1)><p>y</p></svg>", "<p>y</p>"),
        ("", ""),
    ],
)
def test_sanitize_body(dirty, clean):
    assert sanitize_body(dirty) == clean


def test_sanitize_is_idempotent():
    once = sanitize_body('<p>a <a href="https://a.cn">b</a></p><script>x</script>')
    assert sanitize_body(once) == once


def test_plain_text_for_search():
    assert plain_text("<h2>标题</h2><p>a &amp; b</p><ul><li>一</li><li>二</li></ul>") == "标题 a & b 一 二"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("一行", "<p>一行</p>"),
        ("第一行\n第二行", "<p>第一行<br>第二行</p>"),
        ("段一\r\n\r\n\r\n段二", "<p>段一</p>\n<p>段二</p>"),
        ('<b>"王伟"</b> & 张', "<p>&lt;b&gt;&quot;王伟&quot;&lt;/b&gt; &amp; 张</p>"),
        ("  \n ", ""),
    ],
)
def test_format_plain_text(text, html):
    assert format_plain_text(text) == html


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["110105"], {"110000", "110100", "110105"}),
        (["110105", "110105", None], {"110000", "110100", "110105"}),
        (["110105", "120101"], {"110000", "110100", "110105", "120000", "120100", "120101"}),
        (["110000"], {"110000"}),
        (["", "abc", "1101"], set()),
    ],
)
def test_scope_codes(codes, expected):
    assert scope_codes(codes) == expected


@pytest.mark.parametrize(
    ("region", "prefix", "allowed"),
    [
        (None, "", True),
        ("310000", "", True),
        (None, "11", False),
        ("110000", "11", True),
        ("110105", "11", True),
        ("310000", "11", False),
        ("110000", "110101", False),
        ("110101", "110101", True),
        ("110101", None, False),
        (None, None, False),
    ],
)
def test_region_within(region, prefix, allowed):
    assert region_within(region, prefix) is allowed


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        (None, []),
        ("   ", []),
        (" 康复  年审 ", ["康复", "年审"]),
        ("一 二 三 四 五 六 七", ["一", "二", "三", "四", "五"]),
        ("x" * 10_000, ["x" * 100]),
        ("%", ["%"]),
    ],
)
def test_search_terms_are_bounded(query, terms):
    assert search_terms(query) == terms
