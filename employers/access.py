"""Who may act for which unit: the one place that turns a login into its employer or a reviewer's scope."""

import weakref
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core import prepared
from core.actors import Actor
from core.models import Region
from core.review import ReviewScopeError
from employers.models import Employer, EmployerAccount


def employer_for_user(user: Actor) -> Employer | None:
    if not user.is_authenticated:
        return None
    account = getattr(user, "employer_account", None)
    return account.employer if account is not None else None


class _AccountLookup:
    """The statement of :func:`account_with_unit` and how to turn its row into the five objects, built once per
    database connection (quoting and the value converters are the backend's).

    What ``EmployerAccount.objects.select_related("employer__federation_region", "employer__tax_region",
    "employer__registration_region").filter(user_id=…).first()`` reads, by hand: the ORM spent ~1.1 ms CPU compiling
    that query on every unit page (bench/page_cpu.py), the row and the objects ~0.05 ms. The columns are every
    concrete field of each model, read from ``_meta`` (a new field is read without a change here), converted as
    the ORM converts them (backend and field converters), the objects built with ``from_db`` and linked through
    the foreign keys' caches as ``select_related`` links them.
    """

    REGION_FKS = ("federation_region", "tax_region", "registration_region")

    def __init__(self, connection) -> None:
        qn = connection.ops.quote_name
        self.connection = connection
        parts = [(EmployerAccount, "a"), (Employer, "e"), *((Region, f"r{i}") for i in range(len(self.REGION_FKS)))]
        self.plan = []  # (model, attnames, first column, end column, [(index, converters, column expression)])
        columns: list[str] = []
        for model, alias in parts:
            fields = model._meta.concrete_fields
            converters = []
            for i, field in enumerate(fields):
                col = field.get_col(alias)
                found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if found:
                    converters.append((i, found, col))
            self.plan.append((model, [f.attname for f in fields], len(columns), len(columns) + len(fields), converters))
            columns += [f"{qn(alias)}.{qn(f.column)}" for f in fields]
        account, employer = EmployerAccount._meta, Employer._meta
        joins = [
            f"INNER JOIN {qn(employer.db_table)} {qn('e')} ON {qn('e')}.{qn(employer.pk.column)} = "
            f"{qn('a')}.{qn(account.get_field('employer').column)}"
        ]
        for i, name in enumerate(self.REGION_FKS):  # NOT NULL foreign keys: inner joins, as select_related's
            joins.append(
                f"INNER JOIN {qn(Region._meta.db_table)} {qn(f'r{i}')} ON {qn(f'r{i}')}.{qn(Region._meta.pk.column)} "
                f"= {qn('e')}.{qn(employer.get_field(name).column)}"
            )
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {qn(account.db_table)} {qn('a')} {' '.join(joins)} "
            f"WHERE {qn('a')}.{qn(account.get_field('user').column)} = %s"
        )
        self.employer_fk = account.get_field("employer")
        self.region_fks = [employer.get_field(name) for name in self.REGION_FKS]

    def fetch(self, alias: str, user_id) -> EmployerAccount | None:
        with self.connection.cursor() as cursor:
            prepared.execute(cursor, self.sql, [user_id])
            row = cursor.fetchone()  # at most one: user is a one-to-one field
        if row is None:
            return None
        objects = []
        for model, attnames, start, end, converters in self.plan:
            values = list(row[start:end])
            for i, functions, col in converters:
                value = values[i]
                for convert in functions:
                    value = convert(value, col, self.connection)
                values[i] = value
            objects.append(model.from_db(alias, attnames, values))
        account, employer, *regions = objects
        self.employer_fk.set_cached_value(account, employer)
        for fk, region in zip(self.region_fks, regions, strict=True):
            fk.set_cached_value(employer, region)
        return account


_lookups: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection → _AccountLookup (one per thread's)


def account_with_unit(user_id) -> EmployerAccount | None:
    """The login's unit account with ``.employer`` and the unit's three regions loaded, in one query; None for a
    login without a unit. Same objects and values as the ``select_related`` query it replaces (tested)."""
    alias = router.db_for_read(EmployerAccount) or DEFAULT_DB_ALIAS
    connection = connections[alias]
    lookup = _lookups.get(connection)
    if lookup is None:
        lookup = _lookups[connection] = _AccountLookup(connection)
    return lookup.fetch(alias, user_id)


def employer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required; sets ``request.employer``. A login without a unit gets 403 (reviewers use /admin/)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        account = account_with_unit(request.user.pk)  # one query for the account, the unit and its three regions
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
