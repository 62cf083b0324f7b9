"""The list's rows as the page writes them (issue 16: the list page's CPU): each row's HTML escaped with
``html.escape`` instead of ``django.utils.html.escape``, the rows joined in the view instead of a ``{% for %}`` in
the template. The markup must be what it was, byte for byte."""

import random

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from placements.listing.views import ListLink, ListRow
from tests.factories.core import chinese_name

pytestmark = pytest.mark.django_db

TRICKY = ['<script>alert("x")</script>', "O'Brien & 张", "李\u00a0明", "&amp;", "王{{ x }}", "赵%s"]


def _before(row: ListRow, locked: bool) -> str:
    """ListRow.html before the change (django.utils.html.escape)."""
    name = escape(row.name)
    select = ""
    if not locked:
        box = ""
        if row.deletable:
            box = (
                f'<input type="checkbox" class="form-check-input" name="ids" value="{row.pk}" id="sel-{row.pk}"'
                f' aria-describedby="batch-help"><label class="visually-hidden" for="sel-{row.pk}">选择 {name}'
                "</label>"
            )
        select = f'<td class="pl-select">{box}</td>'
    note = f'<span class="small text-muted">{escape(row.status_note)}</span>' if row.status_note else ""
    links = " ".join(
        f'<a{' class="text-danger"' if link.danger else ""} href="{escape(link.href)}"'
        f' aria-label="{escape(link.label)} {name}">{escape(link.label)}</a>'
        for link in row.links
    )
    return (
        f'<tr>{select}<td>{row.n}</td><th scope="row" class="fw-normal">{name}</th>'
        f"<td>{escape(row.id_number)}</td><td>{escape(row.cert_no)}</td>"
        f'<td class="pl-num">{row.n_registered}</td><td class="pl-num">{row.n_confirmed}</td>'
        f'<td class="pl-num">{row.n_approved}</td><td class="pl-num">{row.n_rejected}</td>'
        f'<td>{escape(row.status)}{note}</td><td class="pl-ops">{links}</td></tr>'
    )


def _rows(n: int, rng: random.Random) -> list[ListRow]:
    rows = []
    for i in range(n):
        pk = rng.randint(1, 10**7)
        base = f"/placements/{pk}/"
        links = [ListLink("查看", base)]
        links += rng.sample(
            [ListLink("继续填写", f"{base}step-2/"), ListLink("编辑", f"{base}step-1/")], k=rng.randint(0, 2)
        )
        if rng.random() < 0.5:
            links.append(ListLink("删除", f"{base}delete/", danger=True))
        rows.append(
            ListRow(
                n=i + 1,
                pk=pk,
                deletable=rng.random() < 0.5,
                name=rng.choice(TRICKY) if i % 3 == 0 else chinese_name(rng),
                id_number=f"1101**********{rng.randint(1000, 9999)}",
                cert_no=rng.choice(["—", f"1101**********{rng.randint(10, 99)}42", "<b>"]),
                n_registered=rng.randint(0, 12),
                n_confirmed=rng.randint(0, 12),
                n_approved=rng.randint(0, 12),
                n_rejected=rng.randint(0, 12),
                status=rng.choice(["✓ 已确认", "⏳ 待审核", "✗ 审核不通过", "资料待完善"]),
                status_note=rng.choice(["", "（部分月份不通过）", "<i>&</i>"]),
                links=links,
            )
        )
    return rows


@pytest.mark.parametrize("locked", [False, True])
def test_each_row_is_the_markup_it_was(locked):
    for row in _rows(200, random.Random(16)):
        assert row.html(locked) == _before(row, locked)


BEFORE = Template(
    "<tbody>\n          {% for row in rows %}\n          {{ row }}\n          {% empty %}\n          <tr>空</tr>\n"
    "          {% endfor %}\n        </tbody>"
)
AFTER = Template(
    "<tbody>\n          {% if rows %}{{ rows }}{% else %}\n          <tr>空</tr>\n          {% endif %}\n"
    "        </tbody>"
)


@pytest.mark.parametrize("n", [0, 1, 50])
def test_the_joined_rows_are_what_the_loop_wrote(n):
    """The template's loop before and the view's join after (placements.listing.views.index), around the same
    rows."""
    html = [row.html(False) for row in _rows(n, random.Random(n))]
    joined = mark_safe("".join(f"\n          {h}\n          " for h in html))
    assert AFTER.render(Context({"rows": joined})) == BEFORE.render(Context({"rows": [mark_safe(h) for h in html]}))


def test_the_page_writes_the_joined_rows(employer_client, employer):
    from tests.factories import placements as pf

    for name in TRICKY:
        pf.placement(employer, year=2025, name=name, wizard_completed=True)
    html = employer_client.get(reverse("placements:index"), {"year": 2025}).content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    assert body.count("<tr>") == len(TRICKY)
    assert body.startswith("<tbody>\n          \n          <tr>") and body.endswith("</tr>\n          \n        ")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body and "O&#x27;Brien &amp; 张" in body
