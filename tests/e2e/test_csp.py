"""The Content-Security-Policy (ADR 0020) in a real browser: on the main pages of the clerk and the reviewer —
including the ECharts charts (首页, 统计分析, with a tooltip shown by hovering) and the htmx pages — the browser
reports no `securitypolicyviolation` event, no console error and no page error, and every page was served with the
policy (script-src without 'unsafe-inline', a nonce when the page has an inline <style>)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from core.models import EmploymentRatio, SocialAverageWage
from placements.models import Placement
from tests import factories
from tests.e2e.conftest import ARTIFACTS, admin_login, login
from tests.factories import dashboard as hf
from tests.factories import notices as notice_factories
from tests.factories import placement_review as rf
from tests.factories import placements as pf
from tests.factories import relief as relief_factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = pf.YEAR
CLERK = ("csp-clerk", "clerk-pass-2026")
REVIEWER = ("csp-reviewer", "review-pass-2026")

# Every violation the page sees, recorded before any of the page's own scripts run.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${where}) ${e.sample}`);
});
"""

CLERK_PAGES = [
    "/",
    f"/?year={YEAR}",
    "/employer/",
    "/employer/related/",
    "/notices/",
    "/notices/{notice}/",
    "/levy/calculator/",
    "/relief/",
    "/relief/new/",
    "/relief/public/",
    f"/declarations/{YEAR}/",
    "/accounts/password_change/",
    f"/placements/?year={YEAR}",
    "/placements/new/",
    "/placements/import-last-year/",
    "/placements/{grid}/step-1/",
    "/placements/{grid}/contracts/new/",
    "/placements/{grid}/step-2/",
    "/placements/{evidence}/step-3/",
    "/placements/{done}/step-4/",
    "/placements/{done}/",
    "/manual/",
]
REVIEWER_PAGES = [
    "/admin/",
    "/admin/placements/placement/",
    "/admin/placements/placement/{done}/review/",
    "/admin/notices/notice/",
    "/admin/notices/notice/add/",
    "/admin/declarations/declaration/",
    "/admin/declarations/declaration/statistics/",
    "/admin/core/calendarday/",
]


@pytest.fixture
def ids():
    """A unit with something on every page: the home chart's figures, notices, a 缓减免 application, placements at
    each step of the wizard and one submitted."""
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    factories.employer_user(employer, username=CLERK[0], password=CLERK[1])
    factories.related_unit(employer)
    EmploymentRatio.objects.create(province_code="11", year=YEAR, ratio_percent=Decimal("1.50"))
    SocialAverageWage.objects.create(province_code="11", year=YEAR, annual_amount=Decimal("120000.00"))
    hf.relief(employer, staff="120", wage="9000", year=YEAR)
    pf.min_wage("11", "2420.00")
    notice_factories.published(region_code="110000")
    notice = notice_factories.to_unit(employer)
    relief_factories.application(employer)
    grid = rf.pending_placement(employer, name="王晓明", submit=False, with_evidence=False)
    evidence = rf.pending_placement(employer, name="李娜", submit=False, failing=(1, 2, 3, 4))
    Placement.objects.filter(pk=evidence.pk).update(wizard_step=3)
    rf.evidence(evidence, "wage", [YEAR * 100 + 5])
    done = rf.pending_placement(employer, name="张伟")
    Placement.objects.filter(pk=done.pk).update(wizard_step=4, wizard_completed=True)
    last = pf.placement(employer, year=YEAR - 1, name="钱大伟", wizard_completed=True)
    pf.contract(last, start=date(2019, 1, 1))
    return {"notice": notice.pk, "grid": grid.pk, "evidence": evidence.pk, "done": done.pk}


@pytest.fixture
def watched(browser_page):
    """The page, recording CSP violations, console errors and uncaught exceptions; ``problems()`` returns them."""
    page = browser_page
    page.add_init_script(LISTEN)
    errors: list[str] = []

    def on_console(message) -> None:
        # the browser's own request for /favicon.ico (there is none) is not the page's doing
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"console.error: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))

    def problems() -> list[str]:
        found = list(errors)
        errors.clear()
        return found + page.evaluate("window.__cspViolations || []")

    page.problems = problems
    return page


def _visit(page, live_server, path: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    assert response.status == 200, f"{path}: HTTP {response.status}"
    assert page.url.startswith(f"{live_server.url}{path.split('?')[0]}"), f"{path} redirected to {page.url}"
    policy = response.headers.get("content-security-policy", "")
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src and "'self'" in script_src[1] and "unsafe" not in script_src[1], f"{path}: {policy!r}"
    if page.locator("style").count():
        assert re.search(r"style-src 'self' 'nonce-[\w-]+'", policy), f"{path}: <style> without a nonce in {policy!r}"
    # the charts: hover over the drawn canvas so ECharts writes its HTML tooltip
    canvas = page.locator("canvas").first
    if canvas.count():
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(300)


def test_clerk_pages_raise_no_csp_violation(watched, live_server, ids):
    login(watched, live_server, *CLERK)
    seen = {}
    for path in CLERK_PAGES:
        path = path.format(**ids)
        _visit(watched, live_server, path)
        seen[path] = watched.problems()
    # the home page's chart was really drawn under the policy
    _visit(watched, live_server, f"/?year={YEAR}")
    assert watched.locator("[role=img] canvas").count() == 1
    seen["home, chart hovered"] = watched.problems()
    ARTIFACTS.mkdir(exist_ok=True)
    watched.screenshot(path=str(ARTIFACTS / "csp-home.png"), full_page=True)
    bad = {path: found for path, found in seen.items() if found}
    assert not bad, "\n".join(f"{path}: {problem}" for path, found in bad.items() for problem in found)


def test_reviewer_pages_raise_no_csp_violation(watched, live_server, ids):
    reviewer = rf.reviewer("110000", username=REVIEWER[0], password=REVIEWER[1])
    reviewer.groups.add(*notice_factories.reviewer("110000").groups.all())
    device = TOTPDevice.objects.create(user=reviewer, name="审核后台动态验证码", confirmed=True)
    admin_login(watched, live_server, *REVIEWER, device)
    seen = {"/admin/ (login)": watched.problems()}
    for path in REVIEWER_PAGES:
        path = path.format(**ids)
        _visit(watched, live_server, path)
        seen[path] = watched.problems()
    # the statistics chart was drawn, and its tooltip (HTML with style attributes) shown without a violation
    _visit(watched, live_server, "/admin/declarations/declaration/statistics/")
    assert watched.locator("#statistics-chart canvas").count() == 1
    expect(watched.locator("#statistics-chart").get_by_text("已完成申报")).to_be_visible()  # the HTML tooltip
    seen["statistics, tooltip shown"] = watched.problems()
    ARTIFACTS.mkdir(exist_ok=True)
    watched.screenshot(path=str(ARTIFACTS / "csp-statistics-tooltip.png"), full_page=True)
    bad = {path: found for path, found in seen.items() if found}
    assert not bad, "\n".join(f"{path}: {problem}" for path, found in bad.items() for problem in found)


def test_an_inline_script_is_blocked(watched, live_server, ids):
    """The policy is enforced, not only sent: a script injected without the nonce does not run, and is reported."""
    login(watched, live_server, *CLERK)
    _visit(watched, live_server, "/notices/")
    ran = watched.evaluate(
        """() => new Promise((resolve) => {
            window.__injected = false;
            document.addEventListener("securitypolicyviolation", () => resolve(window.__injected), {once: true});
            const s = document.createElement("script");
            s.textContent = "window.__injected = true";
            document.body.append(s);
            setTimeout(() => resolve(window.__injected), 2000);
        })"""
    )
    assert ran is False
    assert any("script-src" in v for v in watched.problems())
