"""Mail to clerks (issue 14): the verification of a clerk's e-mail address and a one-time link to set a password.

Only a verified address (``EmployerAccount.email_verified``) receives password links (Django's reset flow, or a
link a 残联 staff member mails). An address is verified by the link mailed to it: Django's token machinery with its
own salt, over the login, the address and the verified flag, so a link is used up once the address is verified and
dies when the address changes; valid ``PASSWORD_RESET_TIMEOUT`` (1 hour). Sending is through Django's mail API
(``MAILERS`` from the ``EMAIL_*`` settings) and never inside a transaction: a slow SMTP server holds no lock.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from core import audit
from core.actors import Actor
from employers.accounts import AccountError
from employers.models import EmployerAccount

# At most this many verification mails per login in the window of PASSWORD_RESET_RATE.
VERIFY_MAILS_PER_WINDOW = 5


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "employers.mail.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        account = getattr(user, "employer_account", None)
        verified = account.email_verified if account is not None else True
        return f"{user.pk}{user.email.lower()}{verified}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def email_verification_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("employers:email_verify", kwargs={"uidb64": uid, "token": email_verification_token.make_token(user)})


def _mail(*, template: str, to: str, context: dict) -> None:
    subject = render_to_string(f"employers/mail/{template}_subject.txt", context).strip()
    body = render_to_string(f"employers/mail/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _within_rate(key: str, limit: int) -> bool:
    window = settings.PASSWORD_RESET_RATE[0]
    cache.add(key, 0, window)
    try:
        return cache.incr(key) <= limit
    except ValueError:
        cache.set(key, 1, window)
        return True


def email_verification_send(*, account: EmployerAccount, base_url: str, by: Actor) -> None:
    """Mail the clerk's address a link that verifies it. Rate-limited per login; audited."""
    user = account.user
    if not user.email:
        raise AccountError("请先填写电子邮箱。", field="email")
    if account.email_verified:
        raise AccountError("该邮箱已验证，无需再次验证。")
    if not _within_rate(f"emailverify:user:{user.pk}", VERIFY_MAILS_PER_WINDOW):
        raise AccountError("验证邮件发送过于频繁，请 1 小时后再试。")
    link = base_url.rstrip("/") + email_verification_path(user)
    _mail(template="email_verify", to=user.email, context={"user": user, "account": account, "link": link})
    audit.record(actor=by, action="account.email_verification_sent", obj=account, changes={"email": user.email})


@transaction.atomic
def email_verify(*, uidb64: str, token: str) -> EmployerAccount | None:
    """The clerk followed the link: the address is verified (None for a bad, used or expired link)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).select_related("employer_account").first()
    account = getattr(user, "employer_account", None) if user is not None else None
    if account is None or not user.email or not email_verification_token.check_token(user, token):
        return None
    account = EmployerAccount.objects.select_for_update().get(pk=account.pk)
    account.email_verified = True
    account.save(update_fields=["email_verified"])
    audit.record(actor=user, action="account.email_verified", obj=account, changes={"email_verified": [False, True]})
    return account


@transaction.atomic
def email_change(*, account: EmployerAccount, email: str, by: Actor) -> EmployerAccount:
    """A clerk sets their own address; a new address is unverified until its link is followed."""
    account = EmployerAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
    if account.user_id != by.pk:
        raise AccountError("只能修改自己账号的电子邮箱。")
    email = (email or "").strip()
    if email.lower() == account.user.email.lower():
        return account
    before = account.user.email
    account.user.email = email
    account.user.save(update_fields=["email"])
    account.email_verified = False
    account.save(update_fields=["email_verified"])
    audit.record(actor=by, action="account.email_change", obj=account, changes={"email": [before, email]})
    return account


def password_link_mail(*, account: EmployerAccount, link: str, by: Actor) -> None:
    """Mail a one-time link to set the password (made by ``accounts.password_reset_link``) to the clerk's verified
    address; refused for an unverified or missing one."""
    user = account.user
    if not user.email or not account.email_verified:
        raise AccountError(f"账号 {user.get_username()} 没有已验证的电子邮箱，不能发送邮件，请将链接当面交给经办人。")
    _mail(template="password_link", to=user.email, context={"user": user, "account": account, "link": link})
    audit.record(actor=by, action="account.password_link_mailed", obj=account, changes={"email": user.email})
