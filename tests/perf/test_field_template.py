"""templates/placements/includes/field.html: the registration forms' fields as crispy's |as_crispy_field renders them,
in one template instead of four (bench/page_cpu.py: step 1 rendered 40 crispy templates). Compared element by
element: the same tags with the same attributes in the same order, the same texts; only crispy's blank lines and
indentation (whitespace between tags, around texts) may differ."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.template import engines

from placements.registration.forms import GraduateForm, PersonForm
from tests.factories import make_id_number, region
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db

MINE = engines["django"].from_string('{% include "placements/includes/field.html" with field=field %}')


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tokens: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, tuple((name, re.sub(r"\s+", " ", v or "").strip()) for name, v in attrs)))

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text:
            self.tokens.append(("text", text))

    def handle_entityref(self, name):
        self.tokens.append(("text", f"&{name};"))

    def handle_charref(self, name):
        self.tokens.append(("text", f"&#{name};"))


def tokens(html: str) -> list[tuple]:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


def _compare(make_form) -> int:
    """Each field of a fresh form rendered by crispy and by field.html (fresh forms: crispy's tag adds the widget
    classes to the form's widgets)."""
    form = make_form()
    names = [name for name in form.fields if not form[name].is_hidden]  # version, token: crispy's own (below)
    for name in names:
        theirs = str(as_crispy_field(make_form()[name]))
        mine = MINE.render({"field": make_form()[name]})
        assert tokens(mine) == tokens(theirs), name
        assert len(mine) < len(theirs)
    return len(names)


def _invalid_person(year=2025):
    form = PersonForm(
        {"id_number": "110101", "education": "nonsense", "household_region_0": "11", "is_graduate": "x"}, year=year
    )
    form.is_valid()
    return form


def test_the_person_form_renders_as_with_crispy():
    assert _compare(lambda: PersonForm(year=2025)) >= 14  # a new placement: the ID number with htmx, 学历 fields
    assert _compare(_invalid_person) >= 14  # errors under the fields, aria-invalid, is-invalid


@pytest.mark.parametrize("female", [True, False])
def test_a_saved_placements_form_renders_as_with_crispy(employer, female):
    """A saved placement: the ID number read-only, the retirement baseline for a woman only."""
    number = make_id_number(date(1990, 4, 5), male=not female)
    p = pf.placement(employer, id_number=number, household_region=region("110105"), education="大学本科")
    assert (p.gender == "女") is female
    assert _compare(lambda: PersonForm(placement=p, year=p.year)) == (11 if female else 10)


def test_the_graduate_form_renders_as_with_crispy():
    assert _compare(GraduateForm) >= 3
    bound = lambda: GraduateForm({"school": "", "degree": "x", "graduation_date": "2099-13-01"})  # noqa: E731
    assert _compare(lambda: (f := bound(), f.is_valid(), f)[2]) >= 3


def test_a_hidden_field_goes_through_crispy():
    form = PersonForm(year=2025, version=3)
    assert MINE.render({"field": form["version"]}).strip() == str(as_crispy_field(form["version"])).strip()
