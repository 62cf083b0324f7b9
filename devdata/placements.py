"""Demo data of the placements app: the demo unit's placements of the demo year in every status, plus last year's
list for 导入上一年申报名单.

Uses the workforce that ``devdata/feeds.py`` put in the registry (it runs first) and goes through the same services as
the wizard, so the grids, the evidence and the audit trail are real:

- 审核通过（系统）: persons whose every month verifies (one of them insured by the 上下级 related unit);
- 劳务派遣: one dispatched person registering only January–June (the dispatch firm counts the rest);
- 待审核: ticked ✗ months (a missing wage) with their evidence, waiting for the reviewer;
- 审核通过（人工） / 部分审核不通过 / 审核不通过: the same, decided by the demo reviewer;
- 资料待完善: one person with only the basic information, one stopped at the grid;
- last year: six persons, three of whom are not yet in this year (to import).

Idempotent: a person already registered in a year is left alone. Reviewer decisions go through
``placements.review.month_decide`` as the demo reviewer (audited, with the unit's notice).
"""

from __future__ import annotations

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from core.errors import DomainError
from core.uploads import inspect_upload
from devdata.feeds import demo_people
from employers.constants import Relation
from feeds.models import RegistryPerson
from placements.constants import MonthReview
from placements.errors import PlacementError
from placements.evidence import services as evidence_services
from placements.grid import services as grid_services
from placements.models import Placement, PlacementMonth, identity_from_id_number
from placements.registration import lifecycle as registration_lifecycle
from placements.registration import services as registration_services
from placements.registration.rules import age_verdict

SYSTEM_OK = range(6, 14)  # devdata.feeds scenario "ok"
INCOMPLETE_BASIC, INCOMPLETE_GRID, DISPATCHED = 16, 17, 18
PENDING, MANUAL, PARTIAL, REJECTED = (22, 23), 25, 26, 39
RELATED_INSURANCE = 27
LAST_YEAR = range(0, 6)  # devdata.feeds.LAST_YEAR_PERSONS: they have last year's facts
ALSO_THIS_YEAR = range(0, 3)  # 3, 4, 5 are left for 导入上一年申报名单


def _png(text: str) -> bytes:
    image = Image.new("RGB", (480, 300), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 470, 290), outline=(120, 120, 120), width=3)
    draw.text((30, 140), text, fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _file(name: str, text: str):
    return inspect_upload(SimpleUploadedFile(name, _png(text), content_type="image/png"))


def _baseline(id_number: str, year: int) -> str:
    """女职工 unless that would put her past retirement in the year: then 女干部."""
    birth, gender = identity_from_id_number(id_number)
    if gender != "女":
        return ""
    verdict = age_verdict(birth, gender, "worker50", year)
    return "worker50" if not verdict.message else "cadre55"


def _person_data(person: RegistryPerson | None, name: str, id_number: str, year: int) -> dict:
    from placements.registration.forms import _education_choice

    region = None
    if person is not None:
        from core.models import Region

        region = Region.objects.filter(code=person.region_code).first()
    return {
        "name": person.name if person else name,
        "household_region": region,
        "household_address": person.address if person else "北京市朝阳区",
        "phone": person.phone if person else "13800000000",
        "education": _education_choice(person.education) if person else "",
        "is_graduate": False,
        "retirement_baseline": _baseline(id_number, year),
    }


class _Demo:
    def __init__(self, ctx) -> None:
        self.employer = ctx["employer"]
        self.clerk = ctx["employer_user"]
        self.reviewer = ctx["reviewer"]
        self.year = ctx["year"]
        self.people = demo_people(self.year)
        self.registry = {
            p.id_number: p for p in RegistryPerson.objects.filter(id_number__in=[x.id_number for x in self.people])
        }
        units = self.employer.related_units.filter(is_active=True)
        self.parent = units.filter(relation=Relation.PARENT_SUBSIDIARY).order_by("pk").first()
        self.firm = units.filter(relation=Relation.DISPATCH_FIRM).order_by("pk").first()
        self.lines: list[str] = []

    def exists(self, index: int, year: int) -> bool:
        return Placement.objects.filter(
            employer=self.employer, year=year, id_number=self.people[index].id_number
        ).exists()

    def start(self, index: int, year: int) -> Placement:
        person = self.people[index]
        data = _person_data(self.registry.get(person.id_number), person.name, person.id_number, year)
        return registration_services.placement_create(
            employer=self.employer, year=year, id_number=person.id_number, data=data, by=self.clerk
        )

    def contract(self, p: Placement, **fields) -> None:
        data = {
            "is_dispatched": False,
            "relation": "self",
            "contract_type": "open_ended",
            "start": date(self.year - 5, 1, 1),
            "end": None,
            "job": "软件测试员",
            "monthly_salary": 6000,
            "dispatch_unit": None,
            "pension_unit": None,
            "medical_unit": None,
            "wage_unit": None,
        }
        data.update(fields)
        p.refresh_from_db()
        registration_services.contract_add(
            placement=p,
            data=data,
            file=_file("劳动合同.png", "Labour contract (demo)"),
            by=self.clerk,
            expected_version=p.version,
        )

    def to_grid(self, p: Placement) -> None:
        p.refresh_from_db()
        registration_services.placement_update(
            placement=p, data={}, by=self.clerk, expected_version=p.version, finish_step=True
        )

    def register(self, p: Placement, months: list[int] | None = None, *, failing_too: bool = False) -> Placement:
        """Tick ``months`` (or, with ``failing_too``, every selectable month) and save (steps 2 → 3 or 4)."""
        p.refresh_from_db()
        if failing_too:
            months = list(
                PlacementMonth.objects.filter(placement=p, taken_elsewhere=False, age_ok=True).values_list(
                    "month", flat=True
                )
            )
        return grid_services.months_register(
            placement=p, months=months or [], by=self.clerk, expected_version=p.version
        )

    def evidence_and_finish(self, p: Placement) -> None:
        """Upload, per failing check, one file covering every ticked ✗ month, then 完成登记."""
        from placements.grid.checks import CHECK_BITS, EVIDENCE_KINDS

        pending = list(PlacementMonth.objects.filter(placement=p, selected=True, review_state=MonthReview.PENDING))
        for check, label in EVIDENCE_KINDS.items():
            months = [
                m.month for m in pending if not getattr(m, f"{check}_ok") and not m.evidence_mask & CHECK_BITS[check]
            ]
            if months:
                p.refresh_from_db()
                evidence_services.evidence_upload(
                    placement=p,
                    kind=check,
                    months=months,
                    file=_file(f"{label}.png", f"{check} evidence (demo)"),
                    by=self.clerk,
                    expected_version=p.version,
                )
        p.refresh_from_db()
        registration_lifecycle.placement_finish(placement=p, by=self.clerk, expected_version=p.version)

    def decide(self, p: Placement, confirm: list[int], reject: list[int], reason_code: str = "") -> None:
        """The demo reviewer decides pending months through the reviewers' service (audit + notice to the unit)."""
        from placements.review import services as review

        ids = dict(PlacementMonth.objects.filter(placement=p, month__in=confirm + reject).values_list("month", "pk"))
        if confirm:
            review.month_decide(month_ids=[ids[m] for m in confirm], placement=p, decision="approve", by=self.reviewer)
        if reject:
            review.month_decide(
                month_ids=[ids[m] for m in reject],
                placement=p,
                decision="reject",
                reason_code=reason_code,
                by=self.reviewer,
            )

    def pending_months(self, p: Placement) -> list[int]:
        return sorted(
            PlacementMonth.objects.filter(placement=p, review_state=MonthReview.PENDING).values_list("month", flat=True)
        )

    # --- the scenarios --------------------------------------------------------------------------------------------

    def run(self) -> list[str]:
        y = self.year
        for index in LAST_YEAR:  # last year's list first (it exists before this year's)
            self.once(index, y - 1, "上一年度审核通过（系统）", lambda i: self.system_confirmed(i, year=y - 1))
        for index in (*SYSTEM_OK, *ALSO_THIS_YEAR):
            self.once(index, y, "审核通过（系统）", lambda i: self.system_confirmed(i, year=y))
        self.once(RELATED_INSURANCE, y, "审核通过（系统），由上下级单位参保", self.related_insured)
        self.once(DISPATCHED, y, "劳务派遣，登记1–6月", self.dispatched)
        for index in PENDING:
            self.once(index, y, "待审核", self.pending)
        self.once(MANUAL, y, "审核通过（人工）", self.manual)
        self.once(PARTIAL, y, "部分审核不通过", self.partial)
        self.once(REJECTED, y, "审核不通过", self.rejected)
        self.once(INCOMPLETE_BASIC, y, "资料待完善（只填了基本信息）", lambda i: self.start(i, y))
        self.once(INCOMPLETE_GRID, y, "资料待完善（停在信息校验）", self.stopped_at_grid)
        return self.lines or ["安置登记演示数据已存在，未改动"]

    def once(self, index: int, year: int, label: str, build) -> None:
        if index >= len(self.people) or self.exists(index, year):
            return
        try:
            with transaction.atomic():
                build(index)
        except (DomainError, PlacementError) as error:
            message = getattr(error, "message", str(error))
            self.lines.append(f"{year}年度 {self.people[index].name}：未能生成（{message}）")
            return
        self.lines.append(f"{year}年度 {self.people[index].name}：{label}")

    def system_confirmed(self, index: int, *, year: int) -> None:
        p = self.start(index, year)
        self.contract(p)
        self.to_grid(p)
        self.register(p)

    def related_insured(self, index: int) -> None:
        p = self.start(index, self.year)
        if self.parent is not None:
            self.contract(p, relation="parent_subsidiary", pension_unit=self.parent, medical_unit=self.parent)
        else:
            self.contract(p)
        self.to_grid(p)
        self.register(p)

    def dispatched(self, index: int) -> None:
        p = self.start(index, self.year)
        if self.firm is None:
            self.contract(p)
            self.to_grid(p)
            self.register(p)
            return
        self.contract(
            p,
            is_dispatched=True,
            contract_type="dispatch",
            start=date(self.year - 1, 7, 1),
            end=date(self.year + 1, 6, 30),
            dispatch_unit=self.firm,
        )
        self.to_grid(p)
        self.register(p, [self.year * 100 + m for m in range(1, 7)])

    def pending(self, index: int) -> Placement:
        p = self.start(index, self.year)
        self.contract(p)
        self.to_grid(p)
        self.register(p, failing_too=True)
        self.evidence_and_finish(p)
        return p

    def manual(self, index: int) -> None:
        p = self.pending(index)
        self.decide(p, self.pending_months(p), [])

    def partial(self, index: int) -> None:
        p = self.pending(index)
        months = self.pending_months(p)
        self.decide(p, months[:-1], months[-1:], "wrong_month")  # 材料与月份不符

    def rejected(self, index: int) -> None:
        """All ticked months fail (no certificate in the registry): registered with evidence, all rejected."""
        p = self.start(index, self.year)
        self.contract(p)
        self.to_grid(p)
        self.register(p, failing_too=True)
        self.evidence_and_finish(p)
        self.decide(p, [], self.pending_months(p), "unclear")  # 材料不清晰

    def stopped_at_grid(self, index: int) -> None:
        p = self.start(index, self.year)
        self.contract(p)
        self.to_grid(p)


def load_demo(ctx) -> list[str]:
    return _Demo(ctx).run()
