"""Logins of units: the 法人 single sign-on's first sign-in, a unit's clerks, and what the 残联 does for them.

Writes only, each atomic and audited (``core.audit.record``) with who did it. Who may call them is checked here too
(a unit's administrator for its own clerks; a reviewer for units of their region), so a view cannot forget it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core import audit
from core.actors import Actor
from core.errors import DomainError
from core.models import Region
from employers.access import ensure_reviewer_scope
from employers.identifiers import clean_uscc
from employers.models import Employer, EmployerAccount, SSOIdentity


class AccountError(DomainError):
    """A refused account operation (message in Chinese)."""


@dataclass(frozen=True)
class Person:
    """What the sign-on tells of the person signing in for the unit."""

    name: str = ""
    phone: str = ""
    email: str = ""
    email_verified: bool = False


# --- links to set a password ---------------------------------------------------------------------------------------


def password_set_path(user) -> str:
    """The one-time path where ``user`` sets a new password (Django's reset confirm view; valid
    ``PASSWORD_RESET_TIMEOUT`` seconds and used up by setting the password, as the token covers the hash)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def _new_login(username: str, *, email: str = ""):
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("该用户名已被使用，请换一个。", field="username")
    user = User(username=username, email=email)
    user.set_unusable_password()  # the clerk sets it through the one-time link
    user.save()
    return user


def sso_username(uscc: str) -> str:
    """``u`` + the USCC in lower case (``-2``, ``-3``… when taken): the login name of an account opened without one."""
    User = get_user_model()
    base = f"u{uscc.lower()}"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def password_reset_allowed(*, email: str, ip: str | None) -> bool:
    """Count one reset request against the address and the client address (cache counters over
    ``PASSWORD_RESET_RATE = (window seconds, per address, per client address)``); False once either is used up."""
    window, per_email, per_ip = settings.PASSWORD_RESET_RATE
    allowed = True
    for key, limit in ((f"pwreset:email:{email.strip().lower()}", per_email), (f"pwreset:ip:{ip or '-'}", per_ip)):
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
        allowed = allowed and count <= limit
    return allowed


# --- 法人 single sign-on --------------------------------------------------------------------------------------------


def _region_of(uscc: str) -> Region | None:
    """The unit's region from characters 3–8 of its USCC (the registering authority's GB/T 2260 code), else its
    city, else its province."""
    code = uscc[2:8]
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        region = Region.objects.filter(pk=candidate).first()
        if region is not None:
            return region
    return None


@transaction.atomic
def sso_sign_in(*, issuer: str, subject: str, uscc: str, unit_name: str, person: Person):
    """The login a 法人 account of ``issuer`` signs in as.

    Known account: its unit's administrator (refused if the USCC it now carries is another unit's). A USCC seen for
    the first time: the unit is opened 资料待完善 (``profile_complete`` off, regions from the USCC) with its first
    clerk as administrator, pre-filled with the person's name and phone. A unit that exists without a sign-on
    account gets bound to its administrator (one is opened if it has none). A unit bound to another account of the
    same provider is refused.
    """
    try:
        uscc = clean_uscc(uscc)
    except ValueError as error:
        raise AccountError(f"政务服务网返回的统一社会信用代码无效：{error}") from None
    identity = SSOIdentity.objects.select_related("employer", "user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        if identity.employer.uscc != uscc:
            raise AccountError(
                "该法人账号已绑定其他单位（统一社会信用代码不一致），不能登录本单位。请联系当地残联核实账号。"
            )
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        return identity.user

    employer = Employer.objects.select_for_update().filter(uscc=uscc).first()
    created = employer is None
    if created:
        region = _region_of(uscc)
        if region is None:
            raise AccountError("无法从统一社会信用代码识别单位所属行政区，请联系当地残联开通账号。")
        try:
            with transaction.atomic():
                employer = Employer.objects.create(
                    name=(unit_name or uscc)[:200],
                    uscc=uscc,
                    federation_region=region,
                    tax_region=region,
                    registration_region=region,
                    contact_name=person.name[:50],
                    contact_phone=person.phone[:20],
                    profile_complete=False,
                )
        except IntegrityError:  # the same unit's first sign-in in two tabs at once
            raise AccountError("该单位正在开通账号，请稍后重新登录。") from None
        audit.record(
            actor=f"统一身份认证 {issuer}", action="employer.open_by_sso", obj=employer, changes={"uscc": uscc}
        )
    elif SSOIdentity.objects.filter(issuer=issuer, employer=employer).exists():
        raise AccountError(
            "该统一社会信用代码已绑定另一个法人账号，不能重复绑定。如单位的法人账号已变更，请联系当地残联解除原绑定。"
        )

    account = (
        EmployerAccount.objects.select_related("user")
        .filter(employer=employer, is_admin=True, user__is_active=True)
        .order_by("pk")
        .first()
    )
    if account is None:
        user = _new_login(sso_username(uscc), email=person.email)
        account = EmployerAccount.objects.create(
            user=user,
            employer=employer,
            is_admin=True,
            contact_name=person.name[:50],
            contact_phone=person.phone[:20],
            email_verified=bool(person.email and person.email_verified),
        )
        audit.record(actor=f"统一身份认证 {issuer}", action="account.open_by_sso", obj=account)
    identity = SSOIdentity.objects.create(
        issuer=issuer, subject=subject, employer=employer, user=account.user, last_login_at=timezone.now()
    )
    audit.record(actor=account.user, action="sso.bind", obj=identity, changes={"issuer": issuer, "subject": subject})
    return account.user


# --- a unit's clerks ----------------------------------------------------------------------------------------------


def _admin_account(by: Actor, employer: Employer) -> EmployerAccount:
    account = EmployerAccount.objects.filter(user_id=by.pk, employer=employer).first()
    if account is None or not account.is_admin:
        raise AccountError("只有本单位的管理员账号可以管理经办人账号。")
    return account


@transaction.atomic
def clerk_add(
    *, employer: Employer, username: str, contact_name: str, contact_phone: str = "", email: str = "", by: Actor
):
    """A new clerk of ``employer`` (by its administrator). Returns ``(account, path)``: the one-time link where the
    clerk sets a password, shown once to the administrator."""
    _admin_account(by, employer)
    user = _new_login(username, email=email)
    account = EmployerAccount.objects.create(
        user=user, employer=employer, contact_name=contact_name, contact_phone=contact_phone
    )
    audit.record(
        actor=by,
        action="account.add",
        obj=account,
        changes={"username": username, "contact_name": contact_name, "contact_phone": contact_phone},
    )
    return account, password_set_path(user)


@transaction.atomic
def clerk_set_active(*, account: EmployerAccount, active: bool, by: Actor, reason: str = "") -> EmployerAccount:
    """Disable or re-enable a clerk: by the unit's administrator (not their own account) or a reviewer of the unit's
    region."""
    account = EmployerAccount.objects.select_for_update().select_related("user", "employer").get(pk=account.pk)
    if getattr(by, "employer_account", None) is not None:
        _admin_account(by, account.employer)
        if account.user_id == by.pk:
            raise AccountError("不能停用自己的账号。")
    else:
        ensure_reviewer_scope(by=by, employer=account.employer)
    if account.user.is_active == active:
        return account
    account.user.is_active = active
    account.user.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        action="account.enable" if active else "account.disable",
        obj=account,
        reason=reason,
        changes={"is_active": [not active, active]},
    )
    return account


# --- what the 残联 does ---------------------------------------------------------------------------------------------


@transaction.atomic
def account_open(
    *,
    employer: Employer,
    username: str,
    contact_name: str,
    contact_phone: str = "",
    email: str = "",
    email_verified: bool = True,
    by: Actor,
):
    """A 残联 reviewer opens a login for a unit of their region; the unit's first login is its administrator.
    Returns ``(account, path)`` with the one-time link to set the password. An address typed from the unit's
    letter counts as verified; one from an imported file does not (``email_verified=False``)."""
    ensure_reviewer_scope(by=by, employer=employer)
    user = _new_login(username, email=email)
    first = not EmployerAccount.objects.filter(employer=employer).exists()
    account = EmployerAccount.objects.create(
        user=user,
        employer=employer,
        is_admin=first,
        contact_name=contact_name,
        contact_phone=contact_phone,
        email_verified=bool(email) and email_verified,
    )
    audit.record(actor=by, action="account.open", obj=account, changes={"username": username, "is_admin": first})
    return account, password_set_path(user)


@transaction.atomic
def password_reset_link(*, account: EmployerAccount, by: Actor) -> str:
    """A reviewer resets a clerk's password: the old one stops working at once; the one-time link is returned to be
    handed over (or mailed) to the clerk."""
    account = EmployerAccount.objects.select_related("user", "employer").get(pk=account.pk)
    ensure_reviewer_scope(by=by, employer=account.employer)
    account.user.set_unusable_password()
    account.user.save(update_fields=["password"])
    audit.record(actor=by, action="account.password_reset", obj=account)
    return password_set_path(account.user)


@transaction.atomic
def sso_unbind(*, identity: SSOIdentity, reason: str, by: Actor) -> None:
    """A reviewer of the unit's region removes a 法人 account's binding (e.g. the unit's 法人 account changed): the
    next sign-in of the unit's USCC binds again. The clerk logins stay. Audited on the unit with the account."""
    identity = SSOIdentity.objects.select_for_update().select_related("employer", "user").filter(pk=identity.pk).first()
    if identity is None:
        raise AccountError("该绑定已解除。")
    ensure_reviewer_scope(by=by, employer=identity.employer)
    reason = (reason or "").strip()
    if not reason:
        raise AccountError("请填写解除绑定的原因。", field="reason")
    employer = identity.employer
    changes = {"issuer": identity.issuer, "subject": identity.subject, "login": identity.user.get_username()}
    identity.delete()
    audit.record(actor=by, action="sso.unbind", obj=employer, reason=reason[:200], changes=changes)


@transaction.atomic
def account_make_admin(*, account: EmployerAccount, by: Actor) -> EmployerAccount:
    """The 残联 sets a unit's administrator (e.g. when the first one left)."""
    account = EmployerAccount.objects.select_for_update().select_related("employer").get(pk=account.pk)
    ensure_reviewer_scope(by=by, employer=account.employer)
    if not account.is_admin:
        account.is_admin = True
        account.save(update_fields=["is_admin"])
        audit.record(actor=by, action="account.make_admin", obj=account)
    return account
