"""Hostile input on every page (issue 12): no request ends in a 500, and a refused request (400) writes nothing.

The test walks the URL conf (``get_resolver()``, admin included). It fills path converters with the ids of the demo
data (``load_demo_data``): the demo unit's own placements, contracts, related units, relief applications … for
the pages under ``/``, the objects in the reviewer's scope for ``/admin/``. Where it cannot, it uses plausible
values, and sometimes hostile ones. It acts as three actors: the demo unit's clerk, the demo reviewer (admin, TOTP
verified) and anonymous. For every (actor, URL pattern), Hypothesis sends GETs with random hostile query strings
and POSTs random hostile values into the fields of the forms found on the page (every ``input``, ``select``,
``textarea`` and named button, CSRF token kept). A hostile value is control characters, NUL, over-long text,
bytes that are not UTF-8, huge or non-ASCII numbers, impossible dates, markup, path fragments …

Each request runs in a savepoint that is rolled back, so every request meets the same data (a hostile POST to a
delete page does not hide the object from the next one) and the row counts of all tables can be compared with
the starting point: a 400 must leave them as they were. The client's cookies are put back after each request (a
POST to logout does not log the actor out for the rest of the walk).

Bounded: one round gives every (actor, pattern) ``FIRST_ROUND_EXAMPLES`` examples whatever the time; later
rounds add examples to the pages with forms until ``BUDGET_SECONDS`` have passed. The summary line (``-s``) says
how many URL patterns, forms and requests were covered. A new page or form is covered without a new test; a
new URL with ids gets the plausible values until ``own_ids`` learns its converters.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from io import StringIO
from urllib.parse import quote, quote_from_bytes, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.client import BOUNDARY
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.models import StoredFile
from declarations.models import Submission
from employers.models import EmployerAccount, RelatedUnit, RelatedUnitProof
from notices.models import Notice
from placements.models import Contract, Evidence, GraduateRecord, HandCertificate, Placement
from relief.models import ReliefApplication
from tests.factories import otp_login

pytestmark = pytest.mark.django_db

# The walk's time (loading the demo data takes some 6 s more); HOSTILE_INPUT_SECONDS=600 for a deeper search.
BUDGET_SECONDS = float(os.environ.get("HOSTILE_INPUT_SECONDS", "38"))
# Examples per (actor, pattern) in the first round, which always completes: a page with forms, a page that opens
# to the actor, a page that turns the actor away. Later rounds add EXAMPLES_PER_ROUND to the pages with forms
# while the budget lasts.
FIRST_ROUND_EXAMPLES = {"forms": 4, "open": 2, "refused": 1}
EXAMPLES_PER_ROUND = 3
IDS_PER_PATTERN = 4
SKIPPED = {"admin:jsi18n"}  # static JavaScript catalogue: no input


# --- hostile values -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """Bytes sent as they are (percent-encoded): not UTF-8."""

    data: bytes


CONTROLS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"]
SPECIAL = [
    "abc",
    "9" * 25,
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "١٢٣٤٥٦",  # Arabic-Indic digits: str.isdigit() is True, int() accepts them
    "１１００００",  # full-width digits
    "",
    " ",
    "a/b",
    "../../etc/passwd",
    "%00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "2026-02-30",
    "0000-00-00",
    "202613",
    "99999-12-31",
    "\u202e\u200b",
    "😀" * 3,
    "null",
    "true",
    "110105",
    "X" * 18,
]
URL_SPECIAL = "//?#&=%.;\\'\"<>+ "  # around short text: "a/b" once made /verify/?code=a/b a NoReverseMatch
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOT_UTF8 = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xe4\xb8", b"\x80abc"]

short = st.text("aZ9王", max_size=3)
url_ish = st.builds(lambda a, ch, b: a + ch + b, short, st.sampled_from(URL_SPECIAL), short)
# Values the gate (core.middleware) lets through: the views and forms must cope with them.
passing_value = st.one_of(
    st.sampled_from(SPECIAL),
    url_ish,
    url_ish,  # twice: the likeliest to break a redirect or a reverse()
    st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=20),
    st.sampled_from("\x7f\x85\t\r\n").map(lambda ch: f"1{ch}2"),  # DEL, C1, and the C0 characters text may hold
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.builds(lambda ch, n: ch * n, st.sampled_from("9a王"), st.sampled_from([151, 300, 9_999])),
)
# Values the gate refuses (HTTP 400): such a request must write nothing.
refused_value = st.one_of(
    st.builds(lambda a, ctl, b: a + ctl + b, st.text(max_size=6), st.sampled_from(CONTROLS), st.text(max_size=6)),
    st.sampled_from(NOT_UTF8).map(Raw),
    st.just("9" * 10_001),
)
hostile_value = passing_value | refused_value
hostile_name = st.sampled_from(["q", "page", "o", "year", "next", "_refresh"]) | st.text(max_size=12)
COMMON_QUERY = ["q", "page", "p", "o", "e", "year", "status", "next", "code", "source", "level", "clear", "inline"]


def encode(pairs: list[tuple[str, str | Raw]]) -> bytes:
    def part(value: str | Raw) -> str:
        return quote_from_bytes(value.data, safe="") if isinstance(value, Raw) else quote(value, safe="")

    return "&".join(f"{part(k)}={part(v)}" for k, v in pairs).encode("ascii")


# --- forms on a page ------------------------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str
    value: str
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: list[FormField] = field(default_factory=list)

    def base(self) -> list[tuple[str, str]]:
        """What a browser would send unchanged: values, checked boxes, the selected options (no buttons)."""
        return [(f.name, f.value) for f in self.fields if f.kind not in {"file", "button", "unchecked"}]

    @property
    def key(self) -> tuple:
        return (self.method, self.action, tuple(sorted({f.name for f in self.fields})))


class FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "option" and self._select is not None:  # the selected option, or the first, is the value
            self._select.options.append(a.get("value", ""))
            if "selected" in a or len(self._select.options) == 1:
                self._select.value = self._select.options[-1]
            return
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            multipart = a.get("enctype", "") == "multipart/form-data"
            self._form = Form((a.get("method") or "get").lower(), action, multipart)
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                kind = "checked" if "checked" in a else "unchecked"
            elif kind in {"submit", "image", "reset"}:
                kind = "button"
            form.fields.append(FormField(name, kind, a.get("value", "on" if kind == "checked" else "")))
        elif tag == "button":
            form.fields.append(FormField(name, "button", a.get("value", "")))
        elif tag == "select":
            self._select = FormField(name, "select", "")
            form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = FormField(name, "textarea", "")
            form.fields.append(self._textarea)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_forms(html: str, page_url: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms


# --- the URL conf ---------------------------------------------------------------------------------------------------

CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


@dataclass
class Pattern:
    route: str  # the whole route text, prefixes joined
    name: str  # namespace:name ("" when unnamed)
    regex: bool

    @property
    def params(self) -> list[tuple[str, str]]:
        """(converter, name) of each path parameter; regex groups have the converter "re:<body>"."""
        if self.regex:
            return [(f"re:{m['body']}", m["name"]) for m in REGEX_GROUP.finditer(self.route)]
        return [(m["conv"] or "str", m["name"]) for m in CONVERTER.finditer(self.route)]

    def path(self, values: dict[str, str]) -> str:
        if self.regex:
            text = REGEX_GROUP.sub(lambda m: values[m["name"]], self.route).replace("^", "").replace("$", "")
        else:
            text = CONVERTER.sub(lambda m: values[m["name"]], self.route)
        return "/" + text

    @property
    def admin_model(self):
        match = re.match(r"admin/(\w+)/(\w+)/", self.route)
        if not match:
            return None
        try:
            return apps.get_model(match[1], match[2])
        except LookupError:
            return None


def url_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(patterns, prefix: str, namespace: str, regex: bool) -> None:
        for p in patterns:
            text = str(p.pattern)
            is_regex = regex or type(p.pattern).__name__ == "RegexPattern"
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace or "") if x)
                walk(p.url_patterns, prefix + text, ns, is_regex)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if p.name else ""
                found.append(Pattern(prefix + text, name, is_regex))

    walk(get_resolver().url_patterns, "", "", False)
    return found


# --- the world: demo data and the three actors ----------------------------------------------------------------------


@dataclass
class World:
    employer: object
    year: int
    clerk: object
    reviewer: object
    admin_request: object

    def own_ids(self, pattern: Pattern) -> list[dict[str, str]]:
        """Real values for the path parameters: the demo unit's own objects, or the reviewer's admin objects."""
        emp, name = self.employer, pattern.name
        params = dict((n, c) for c, n in pattern.params)
        # The latest first: the current year's placements in their various states (the demo adds them in that order).
        placements = Placement.objects.filter(employer=emp).order_by("-year", "-pk")
        children = {
            "placements:graduate_delete": (GraduateRecord, "gid"),
            "placements:contract_edit": (Contract, "cid"),
            "placements:contract_delete": (Contract, "cid"),
            "placements:certificate_delete": (HandCertificate, "cid"),
            "placements:evidence_withdraw": (Evidence, "eid"),
        }
        rows: list[dict] = []
        if name in children:
            model, child = children[name]
            rows = [
                {"pk": p, child: c}
                for p, c in model.objects.filter(placement__employer=emp)
                .order_by("-placement__year", "-placement_id")
                .values_list("placement_id", "pk")
            ]
        elif name.startswith("placements:") and "pk" in params:
            rows = [{"pk": pk} for pk in placements.values_list("pk", flat=True)]
        elif name == "employers:related_proof_withdraw":
            rows = [
                {"pk": u, "proof_pk": p}
                for u, p in RelatedUnitProof.objects.filter(related_unit__employer=emp).values_list(
                    "related_unit_id", "pk"
                )
            ]
        elif name.startswith("employers:") and "pk" in params:
            rows = [{"pk": pk} for pk in RelatedUnit.objects.filter(employer=emp).values_list("pk", flat=True)]
        elif name.startswith("relief:") and "pk" in params:
            rows = [{"pk": pk} for pk in ReliefApplication.objects.filter(employer=emp).values_list("pk", flat=True)]
        elif name == "notices:detail":
            rows = [{"pk": pk} for pk in Notice.objects.values_list("pk", flat=True)]
        elif name == "files:download":
            rows = [{"token": t} for t in StoredFile.objects.filter(employer=emp).values_list("token", flat=True)]
        elif name == "verify:check":
            rows = [{"code": c} for c in Submission.objects.values_list("verification_code", flat=True)]
        elif "year" in params:
            rows = [{"year": self.year}, {"year": self.year - 1}]
        elif name == "admin:view_on_site":
            ct = ContentType.objects.get_for_model(Placement)
            rows = [{"content_type_id": ct.pk, "object_id": pk} for pk in placements.values_list("pk", flat=True)]
        elif name == "admin:auth_user_password_change":
            rows = [{"id": self.reviewer.pk}, {"id": self.clerk.pk}]
        elif pattern.admin_model is not None and params:
            model = pattern.admin_model
            model_admin = admin.site._registry.get(model)
            objects = model_admin.get_queryset(self.admin_request) if model_admin else model._default_manager.all()
            key = next(iter(params))
            rows = [{key: pk} for pk in objects.order_by("pk").values_list("pk", flat=True)[:IDS_PER_PATTERN]]
        return [{k: str(v) for k, v in row.items()} for row in rows[:IDS_PER_PATTERN]]


def first_plausible(converter: str) -> str:
    """The value to try first where no object fills a parameter: one of a regex's alternatives (an app), or 1."""
    if converter.startswith("re:"):
        choices = converter[3:].split("|")
        return "employers" if "employers" in choices else choices[0] if len(choices) > 1 else ""
    return "1"


def plausible(converter: str, name: str) -> st.SearchStrategy[str]:
    """Values for a path parameter no fixture object fills, or next to the real ones: plausible and hostile."""
    if converter.startswith("re:"):
        body = converter[3:]
        if "|" in body:
            return st.sampled_from(body.split("|"))
        return st.sampled_from(["", "nope/", "employers/nope/1/"])
    if converter == "int":
        return st.sampled_from(["1", "0", "9" * 25])
    if name == "uidb64":
        return st.sampled_from(["MQ", "Zm9v", "!!"])
    text = st.one_of(st.sampled_from(["1", "abc", "ABCD-EFGH"]), hostile_value.filter(lambda v: isinstance(v, str)))
    if converter == "path":
        return text.map(lambda v: v or "x")
    return text.map(lambda v: v.replace("/", "") or "x")


@pytest.fixture
def quiet_logs():
    """The walk provokes thousands of 403s, 404s and refusals: their log lines would drown the report."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture
def world():
    call_command("load_reference_data", stdout=StringIO())
    with override_settings(DEBUG=True):  # the demo loader refuses to run without it; the requests run without
        call_command("load_demo_data", stdout=StringIO())
    users = get_user_model().objects
    clerk, reviewer = users.get(username="demo"), users.get(username="reviewer")
    request = RequestFactory().get("/admin/")
    request.user = reviewer
    year = Placement.objects.order_by("-year").values_list("year", flat=True).first() or date.today().year
    return World(EmployerAccount.objects.get(user=clerk).employer, year, clerk, reviewer, request)


# --- sending and checking -------------------------------------------------------------------------------------------


def row_counts() -> tuple[int, ...]:
    tables = sorted(connection.introspection.table_names())
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


@dataclass
class Target:
    """One (actor, URL pattern): its path values, and the pages and forms found on its real paths."""

    actor: str
    client: Client
    pattern: Pattern
    paths: st.SearchStrategy[str]
    open: bool = False  # some real path answered 200: worth more examples than a redirect or a 403
    get_names: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    payloads: list[st.SearchStrategy] = field(default_factory=list)


@dataclass
class Walk:
    baseline: tuple[int, ...]
    requests: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    patterns: set = field(default_factory=set)
    forms: set = field(default_factory=set)
    form_keys_seen: set = field(default_factory=set)
    failures: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (actor, route) → what failed

    def send(self, client: Client, method: str, path: str, **kwargs) -> HttpResponse:
        """One request in a rolled-back savepoint; the client's cookies as before."""
        cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        what = f"{method} {path[:200]} {str(kwargs.get('QUERY_STRING') or kwargs.get('data') or '')[:300]}"
        try:
            with transaction.atomic():
                response = client.generic(method, path, **kwargs)
                changed = response.status_code == 400 and row_counts() != self.baseline
                transaction.set_rollback(True)
        except Exception as exc:  # the test client re-raises the view's exception: that is the 500
            raise AssertionError(f"{type(exc).__name__}: {exc} ← {what!r}") from exc
        finally:
            client.cookies = SimpleCookie()
            for name, value in cookies.items():
                client.cookies[name] = value
        self.requests[method] += 1
        self.statuses[response.status_code] += 1
        assert response.status_code != 500, f"HTTP 500 ← {what!r}"
        assert not changed, f"HTTP 400 but rows were written ← {what!r}"
        return response

    def target(self, world: World, actor: str, client: Client, pattern: Pattern) -> Target:
        """GET the pattern's real paths plainly (its own objects' ids, or one plausible path) and collect the forms.

        A form seen before (the logout button of every page) stays with the first target that found it.
        """
        params = pattern.params
        made_up = st.fixed_dictionaries({n: plausible(c, n) for c, n in params}).map(
            lambda values: pattern.path({n: quote(values[n], safe="/" if c == "path" else "") for c, n in params})
        )
        real = [pattern.path({k: quote(v, safe="") for k, v in row.items()}) for row in world.own_ids(pattern)]
        real = real or [pattern.path({n: first_plausible(c) for c, n in params})]
        if params:  # mostly real ids, sometimes made up
            paths = st.integers(0, 3).flatmap(lambda i: made_up if i == 3 else st.sampled_from(real))
        else:
            paths = st.just(real[0])
        target = Target(actor, client, pattern, paths)
        get_names = set(COMMON_QUERY)
        for path in real:
            response = self.send(client, "GET", path)
            if refused(response):
                break  # the view turns this actor away whatever the object: the other ids would say the same
            if response.status_code != 200:
                continue
            target.open = True
            if "html" not in response.get("Content-Type", ""):
                continue
            for form in parse_forms(response.content.decode("utf-8", "replace"), "http://testserver" + path):
                if urlsplit(form.action).netloc != "testserver":
                    continue
                if form.method == "get":
                    get_names |= {f.name for f in form.fields}
                if form.key not in self.form_keys_seen:
                    self.form_keys_seen.add(form.key)
                    target.forms.append(form)
        target.get_names = sorted(get_names)
        target.payloads = [form_payload(form) for form in target.forms]
        self.patterns.add(id(pattern))  # two patterns may share a route (the second one shadowed)
        return target

    def probe(self, target: Target, examples: int) -> None:
        """``examples`` Hypothesis examples: a GET of the page with a hostile query string, or (on a page with forms,
        mostly) one of its forms submitted with hostile values, by its own method. A failing target is not probed
        again: Hypothesis has shrunk its failure already."""
        if (target.actor, target.pattern.route) in self.failures:
            return
        queries = st.lists(st.tuples(st.sampled_from(target.get_names) | hostile_name, hostile_value), max_size=4)
        forms = st.sampled_from([*(list(range(len(target.forms))) * 3), None]) if target.forms else st.none()

        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(path=target.paths, index=forms, data=st.data())
        def check(path, index, data):
            if index is None:
                query = data.draw(queries, label="query")
                self.send(target.client, "GET", path, QUERY_STRING=encode(query).decode())
            else:
                form = target.forms[index]
                pairs, file_name = data.draw(target.payloads[index], label=form.method)
                self.forms.add((target.actor, form.key))
                submit(self, target.client, form, pairs, file_name)

        try:
            check()
        except (AssertionError, ExceptionGroup) as exc:  # a group when Hypothesis found several distinct bugs
            errors = exc.exceptions if isinstance(exc, ExceptionGroup) else [exc]
            self.failures[(target.actor, target.pattern.route)] = [
                f"[{target.actor}] {target.pattern.route}: {error}\n" + "\n".join(getattr(error, "__notes__", []))
                for error in errors
            ]


def refused(response: HttpResponse) -> bool:
    """403, or sent to a login page (anonymous anywhere, the clerk in the admin)."""
    location = response.get("Location", "") if response.status_code == 302 else ""
    return response.status_code == 403 or "/login/" in location


def form_payload(form: Form) -> st.SearchStrategy:
    """(pairs, file name or None): the form's own values with several replaced by values the gate lets through, or
    with one replaced by a value it refuses; plus stray parameters, a pressed button, a file."""
    names = [f.name for f in form.fields if f.kind != "file"] or ["q"]
    buttons = [f for f in form.fields if f.kind == "button"]
    passing = st.dictionaries(st.sampled_from(names), passing_value, min_size=1, max_size=min(8, len(names)))
    refused = st.tuples(st.sampled_from(names), refused_value).map(lambda pair: dict([pair]))
    replaced = st.integers(0, 4).flatmap(lambda i: refused if i == 4 else passing)
    extra = st.lists(st.tuples(hostile_name, passing_value), max_size=2)
    button = st.sampled_from([None, *buttons])
    has_file = form.multipart and any(f.kind == "file" for f in form.fields)
    file_name = st.none() | passing_value if has_file else st.none()

    def build(parts):
        replace, stray, pressed, file = parts
        replace = dict(replace)
        pairs = [(n, replace.pop(n, v)) for n, v in form.base()]
        pairs += list(replace.items()) + stray
        if pressed is not None:
            pairs.append((pressed.name, pressed.value))
        return pairs, file

    return st.tuples(replaced, extra, button, file_name).map(build)


def submit(walk: Walk, client: Client, form: Form, pairs, file_name: str | None) -> None:
    """A GET form as a query string; a POST form urlencoded (raw bytes possible), or multipart with a small PDF
    under a hostile name in every file field."""
    action = urlsplit(form.action)
    if form.method != "post":
        walk.send(client, "GET", action.path, QUERY_STRING=encode(pairs).decode())
        return
    if file_name is None:
        body, content_type = encode(pairs), "application/x-www-form-urlencoded"
    else:
        files = [(f.name, file_name) for f in form.fields if f.kind == "file"]
        body, content_type = multipart(pairs, files), f"multipart/form-data; boundary={BOUNDARY}"
    walk.send(client, "POST", action.path, data=body, content_type=content_type, QUERY_STRING=action.query)


def multipart(pairs: list[tuple[str, str | Raw]], files: list[tuple[str, str]]) -> bytes:
    """Built by hand: the test client's encoder refuses the hostile file names this walk wants to send."""

    def raw(value: str | Raw) -> bytes:
        return value.data if isinstance(value, Raw) else value.encode()

    parts = [b'Content-Disposition: form-data; name="%s"\r\n\r\n%s' % (raw(n), raw(v)) for n, v in pairs]
    parts += [
        b'Content-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: application/pdf\r\n\r\n%s'
        % (raw(n), raw(f), PDF)
        for n, f in files
    ]
    boundary = b"--" + BOUNDARY.encode()
    return b"".join(boundary + b"\r\n" + part + b"\r\n" for part in parts) + boundary + b"--\r\n"


def test_no_hostile_request_ends_in_500_or_writes_when_refused(world, settings, quiet_logs):
    settings.ADMIN_REQUIRE_OTP = True
    clients = {"anonymous": Client(), "clerk": Client(), "reviewer": Client()}
    clients["clerk"].force_login(world.clerk)
    otp_login(clients["reviewer"], world.reviewer)  # a confirmed TOTP device and a verified session
    patterns = [p for p in url_patterns() if p.name not in SKIPPED]
    started = time.monotonic()
    walk = Walk(baseline=row_counts())
    targets, form_seconds = [], 0.0
    for pattern in patterns:
        for actor, client in clients.items():
            target = walk.target(world, actor, client, pattern)
            kind = "forms" if target.forms else "open" if target.open else "refused"
            probe_started = time.monotonic()
            walk.probe(target, FIRST_ROUND_EXAMPLES[kind])
            form_seconds += (time.monotonic() - probe_started) if target.forms else 0
            targets.append(target)

    open_targets = [t for t in targets if t.open]
    with_forms = [t for t in targets if t.forms]
    rounds, first_round = 1, time.monotonic() - started
    # The rest of the budget to the pages with forms, in as few Hypothesis runs as the estimate allows (each run
    # starts from its simplest example); then short rounds while time is left.
    per_example = form_seconds / (FIRST_ROUND_EXAMPLES["forms"] * len(with_forms) or 1)
    examples = int(0.8 * (BUDGET_SECONDS - first_round) / (per_example * len(with_forms) or 1))
    while time.monotonic() - started < BUDGET_SECONDS:
        for target in with_forms:
            if time.monotonic() - started > BUDGET_SECONDS:
                break
            walk.probe(target, max(examples, EXAMPLES_PER_ROUND))
        rounds, examples = rounds + 1, EXAMPLES_PER_ROUND

    seconds = time.monotonic() - started
    summary = (
        f"hostile input: {len(walk.patterns)} URL patterns × {len(clients)} actors ({len(open_targets)} open to "
        f"their actor), {len(walk.forms)} forms on {len(with_forms)} pages, {sum(walk.requests.values())} requests "
        f"({', '.join(f'{n} {m}' for m, n in walk.requests.items())}) in {seconds:.0f} s "
        f"({first_round:.0f} s the first round, {rounds} rounds); "
        f"statuses {dict(sorted(walk.statuses.items()))}; {len(walk.failures)} (actor, pattern) failing"
    )
    print(summary)
    assert len(walk.patterns) == len(patterns)
    failures = [failure for found in walk.failures.values() for failure in found]
    assert not failures, summary + "\n\n" + "\n\n".join(failures[:25])
