import pytest

from manual.outline import TocEntry, extract_outline, nest_outline


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("", []),
        ('<h2 id="a">第 1 章　登录</h2>', [TocEntry(2, "a", "第 1 章 登录")]),
        (
            '<h2 id="a">A</h2><h3 id="b">1.1 <span class="x">进入</span>系统</h3>',
            [
                TocEntry(2, "a", "A"),
                TocEntry(3, "b", "1.1 进入系统"),
            ],
        ),
        ('<h2>no id</h2><h3 id="s">S</h3>', [TocEntry(3, "s", "S")]),
        ('<h4 id="deep">too deep</h4><h1 id="top">cover</h1>', []),
        ('<h3 id="e">安置&amp;核定 &lt;月&gt;</h3>', [TocEntry(3, "e", "安置&核定 <月>")]),
    ],
)
def test_extract_outline(html, expected):
    assert extract_outline(html) == expected


def test_nest_outline_groups_sections_under_chapters():
    entries = [TocEntry(3, "orphan", "前"), TocEntry(2, "c1", "一"), TocEntry(3, "s1", "1.1"), TocEntry(2, "c2", "二")]
    tree = nest_outline(entries)
    assert [(node.entry.id, [child.id for child in node.children]) for node in tree] == [
        ("orphan", []),
        ("c1", ["s1"]),
        ("c2", []),
    ]
    assert nest_outline([]) == []
