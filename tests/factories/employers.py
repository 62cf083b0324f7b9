"""Units, their accounts, related units and reviewers."""

from datetime import date

import factory
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory, Password

from employers.models import Employer, EmployerAccount, RelatedUnit, ReviewerProfile
from tests.factories.core import SEQ, RegionFactory, make_id_number, make_uscc, region


class UserFactory(DjangoModelFactory):
    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    username = factory.LazyFunction(lambda: f"user{next(SEQ)}")
    password = Password("test-pass-2026")
    is_staff = False


class EmployerFactory(DjangoModelFactory):
    """A company unit whose three regions are ``region`` (北京市东城区 by default)."""

    class Meta:
        model = Employer

    class Params:
        n = factory.LazyFunction(lambda: next(SEQ))
        region = factory.SubFactory(RegionFactory)

    name = factory.LazyAttribute(lambda o: f"北京测试科技有限公司{o.n}")
    uscc = factory.LazyAttribute(lambda o: make_uscc(o.n))
    unit_kind = "企业"
    economic_kind = "有限责任(公司)"
    industry = "I"
    federation_region = factory.SelfAttribute("region")
    tax_region = factory.SelfAttribute("region")
    registration_region = factory.SelfAttribute("region")
    legal_rep_name = "张伟"
    legal_rep_id_number = factory.LazyFunction(lambda: make_id_number(date(1975, 3, 2)))
    legal_rep_phone = "13800138000"
    contact_name = "李娜"
    contact_phone = "13900139000"
    business_address = "北京市东城区测试路1号"
    registered_address = "北京市东城区测试路1号"


class EmployerAccountFactory(DjangoModelFactory):
    class Meta:
        model = EmployerAccount

    user = factory.SubFactory(UserFactory, username=factory.LazyFunction(lambda: f"clerk{next(SEQ)}"))
    employer = factory.SubFactory(EmployerFactory)


class ReviewerProfileFactory(DjangoModelFactory):
    class Meta:
        model = ReviewerProfile

    user = factory.SubFactory(
        UserFactory,
        username=factory.LazyFunction(lambda: f"reviewer{next(SEQ)}"),
        password=Password("review-pass-2026"),
        is_staff=True,
    )
    region = factory.SubFactory(RegionFactory, code="110000")
    organisation = "测试残联"


class RelatedUnitFactory(DjangoModelFactory):
    class Meta:
        model = RelatedUnit

    employer = factory.SubFactory(EmployerFactory)
    region = factory.SelfAttribute("employer.registration_region")
    uscc = factory.LazyFunction(make_uscc)
    name = "北京关联子公司有限公司"
    relation = "parent_subsidiary"


def employer(name: str | None = None, region_code: str = "110101", **fields) -> Employer:
    return EmployerFactory(region=region(region_code), **({"name": name} if name else {}), **fields)


def employer_user(emp: Employer | None = None, username: str | None = None, password: str = "test-pass-2026"):
    """A clerk login of ``emp`` (a new unit when None)."""
    emp = emp or employer()
    user = UserFactory(username=username or f"clerk{next(SEQ)}", password=password)
    EmployerAccountFactory(user=user, employer=emp)
    return user


def reviewer_user(region_code: str = "110000", username: str | None = None, password: str = "review-pass-2026"):
    """A staff login with a reviewer profile for ``region_code`` (no group: callers add the permissions they test)."""
    user = UserFactory(username=username or f"reviewer{next(SEQ)}", password=password, is_staff=True)
    ReviewerProfileFactory(user=user, region=region(region_code))
    return user


def employer_in(region_code: str, **fields) -> Employer:
    """A unit whose 残联主管部门 is ``region_code``."""
    return employer(region_code=region_code, **fields)


def related_unit(emp: Employer, relation: str = "parent_subsidiary", **fields) -> RelatedUnit:
    return RelatedUnitFactory(employer=emp, relation=relation, **fields)


def otp_login(client, user) -> TOTPDevice:
    """Sign ``user`` in with a confirmed TOTP device and a verified session (what the two admin login steps do)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


# Two 法人 sign-on platforms as settings.OIDC_PROVIDERS entries (no server behind them: pages only name them).
SSO_PLATFORMS = (
    {
        "issuer": "https://zwfw.zj.example.gov.cn",
        "client_id": "wb-zj",
        "client_secret": "zj",
        "label": "浙江政务服务网法人登录",
    },
    {
        "issuer": "https://zwfw.example.gov.cn",
        "client_id": "wb-cn",
        "client_secret": "cn",
        "label": "国家政务服务平台法人登录",
    },
)
