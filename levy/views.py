"""The 残保金计算器 page: a GET form, so every result is a link; works without JavaScript."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.kept import Kept
from employers.access import account_with_unit, employer_required
from levy import selectors, services
from levy.calculator import LevyInputError, calculate
from levy.forms import INPUT_TO_FORM_FIELD, MAX_MONTHS, LevyCalculatorForm, StaffFiguresForm
from levy.models import StaffFigures

STEPPABLE = ("severe", "other")
MIN_YEAR = 1990


def _stepped_query(request: HttpRequest) -> str | None:
    """The query after a − / + button without JavaScript (``step=severe:+1``), or None when there is no step."""
    step = request.GET.get("step")
    if step is None:
        return None
    query = request.GET.copy()
    del query["step"]
    name, _, delta = step.partition(":")
    if name in STEPPABLE and delta in ("+1", "-1"):
        try:
            current = int(query.get(name) or 0)
        except ValueError:
            current = 0
        query[name] = str(min(max(current + int(delta), 0), MAX_MONTHS))
    return query.urlencode()


def _unit_of(request: HttpRequest):
    """The logged-in clerk's unit (as employers.access.employer_for_user) in one query instead of two, kept on the
    request so that the navigation's unread badge does not read it again (the unit pages' lookup: no ORM compile)."""
    if not request.user.is_authenticated:
        return None
    account = account_with_unit(request.user.pk)
    if account is None:
        return None
    request.employer = account.employer
    return account.employer


def calculator(request: HttpRequest) -> HttpResponse:
    """Open to everyone; a logged-in employer gets its unit's data filled in."""
    stepped = _stepped_query(request)
    if stepped is not None:
        return HttpResponseRedirect(f"{reverse('levy:calculator')}?{stepped}", status=303)

    today = timezone.localdate()
    employer = _unit_of(request)
    defaults = selectors.calculator_defaults(employer=employer, today=today)
    years = selectors.business_years(today)
    if defaults.business_year not in years:
        years.insert(0, defaults.business_year)

    submitted = any(name in request.GET for name in LevyCalculatorForm.base_fields)
    if submitted:
        data = {name: "" if value is None else str(value) for name, value in defaults.initial.items()}
        data.update(request.GET.dict())
        form = LevyCalculatorForm(data, years=years)
    else:
        form = LevyCalculatorForm(initial=defaults.initial, years=years)

    result = None
    if form.is_bound and form.is_valid():
        try:
            result = calculate(form.levy_input())
        except LevyInputError as exc:
            for field, message in exc.errors.items():
                form.add_error(INPUT_TO_FORM_FIELD.get(field), message)
    if form.is_bound:
        form.mark_errors()

    context = {
        "form": form,
        "input_fields": [(form[name], form.units.get(name, "")) for name in form.input_fields],
        "result": result,
        "employer": employer,
        "notes": defaults.notes,
        "business_year": form.cleaned_data.get("year") if result else None,
        "user": request.user,
        "request": request,
    }
    key = None
    if not submitted and request.user.is_authenticated:
        # An unsubmitted form is the same markup for the same pre-filled values: every input of the content is in
        # the key (the values read from the database on this request, the years, the language), so a change shows
        # on the next request; only the rendering is kept (issue 16: the ten widgets were ~1.6 ms a page).
        # (Values as text: Decimal("1.5") == Decimal("1.50"), but the two are written differently.)
        initial = tuple((name, type(value).__name__, str(value)) for name, value in defaults.initial.items())
        key = (initial, defaults.notes, tuple(years), get_language())
    content = _content(context, key)
    return render(request, "levy/calculator.html", {"title": "残保金计算器", "content": content})


CONTENTS_KEPT = 256
_CONTENTS = Kept(CONTENTS_KEPT)  # the last CONTENTS_KEPT unsubmitted pages' content


def _content(context: dict, key: tuple | None) -> SafeString:
    """The page's content (templates/levy/_calculator.html), kept under ``key`` (None: not kept)."""

    def render_content() -> SafeString:
        return mark_safe(get_template("levy/_calculator.html").render(context))  # the template escapes its values

    return render_content() if key is None else _CONTENTS.find_or_make(key, render_content)


@employer_required
def staff_figures(request: HttpRequest, year: int) -> HttpResponse:
    """填写职工人数和月平均工资 of ``year`` for the home page's levy estimate; back to the home page after saving."""
    today = timezone.localdate()
    if not MIN_YEAR <= year <= today.year:
        raise Http404("没有该业务年度")
    employer = request.employer
    instance = StaffFigures.objects.filter(employer=employer, year=year).first()
    form = StaffFiguresForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.staff_figures_save(
            employer=employer,
            year=year,
            staff_count=form.cleaned_data["staff_count"],
            avg_monthly_wage=form.cleaned_data["avg_monthly_wage"],
            by=request.user,
        )
        messages.success(request, f"已保存 {year} 年度职工人数和月平均工资，首页已按新数据估算残保金。")
        return redirect(f"{reverse('dashboard:index')}?year={year}#levy-heading")
    form.mark_errors()
    return render(
        request,
        "levy/staff_figures.html",
        {
            "title": f"职工人数和月平均工资（{year}年度）",
            "form": form,
            "year": year,
            "fields": [(form[name], form.units[name]) for name in form.Meta.fields],
        },
    )
