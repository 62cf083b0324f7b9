"""Who may act for which unit: the one place that turns a login into its employer or a reviewer's scope."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.actors import Actor
from core.review import ReviewScopeError
from employers.models import Employer, EmployerAccount


def employer_for_user(user: Actor) -> Employer | None:
    if not user.is_authenticated:
        return None
    account = getattr(user, "employer_account", None)
    return account.employer if account is not None else None


def employer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; sets ``request.employer``. A login without a unit gets 403 (reviewers use /admin/)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        account = (
            EmployerAccount.objects.select_related(
                "employer__federation_region", "employer__tax_region", "employer__registration_region"
            )
            .filter(user_id=request.user.pk)
            .first()
        )  # one query for the account, the unit and its three regions
        proxy = getattr(request, "proxy_session", None)
        if account is None and proxy is not None:  # 窗口代办: the staff member acts for the unit (employers.proxy)
            request.employer = proxy.employer
            request.employer_account = None
            return view(request, *args, **kwargs)
        if account is None:
            raise PermissionDenied("该账号未绑定用人单位。审核人员请使用管理后台。")
        request.employer = account.employer
        request.employer_account = account
        match = request.resolver_match
        if not account.employer.profile_complete and (match is None or match.namespace != "employers"):
            # A unit opened by its first 法人 sign-on has a name and a USCC only: 单位信息维护 first.
            messages.warning(request, "本单位资料待完善：请先填写并保存单位基本信息，再办理其他业务。")
            return redirect("employers:index")
        return view(request, *args, **kwargs)

    return wrapper


class EmployerRequiredMixin:
    """Class-based-view form of :func:`employer_required`."""

    @classmethod
    def as_view(cls, **initkwargs):
        return employer_required(super().as_view(**initkwargs))


def reviewer_region_prefix(user: Actor) -> str | None:
    """'' for superusers (everything), the region prefix for reviewers, None for anyone else."""
    if user.is_superuser:
        return ""
    profile = getattr(user, "reviewer_profile", None)
    if profile is None:
        return None
    return profile.region.prefix


def employers_in_scope(user: Actor) -> QuerySet[Employer]:
    """The units whose 残联主管部门 lies inside the reviewer's region."""
    prefix = reviewer_region_prefix(user)
    if prefix is None:
        return Employer.objects.none()
    if prefix == "":
        return Employer.objects.all()
    return Employer.objects.filter(federation_region__code__startswith=prefix)


def region_scope_q(user: Actor, region_lookup: str = "region") -> Q:
    """A Q limiting any model with a Region FK (``region_lookup``) to the reviewer's region."""
    prefix = reviewer_region_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == "":
        return Q()
    return Q(**{f"{region_lookup}__code__startswith": prefix})


def employer_scope_q(user: Actor, lookup: str = "employer") -> Q:
    """A Q limiting any model with an employer FK (``lookup``) to the reviewer's scope.

    ``lookup=""`` scopes the Employer model itself.
    """
    return region_scope_q(user, f"{lookup}__federation_region" if lookup else "federation_region")


def ensure_reviewer_scope(*, by: Actor | None, employer: Employer) -> None:
    """Refuse anyone who is not a reviewer of the unit's 残联主管部门 region (superusers review everywhere): the
    guard of every review decision (placements' and related-unit proofs')."""
    prefix = reviewer_region_prefix(by) if by is not None else None
    if prefix is None:
        raise ReviewScopeError("该账号不是审核人员，不能审核。")
    if prefix and not (employer.federation_region_id or "").startswith(prefix):
        raise ReviewScopeError()
