"""通知公告: announcements to a region (or the country), notices to one unit, and reviewers who publish them."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from employers.services import reviewer_group_ensure
from notices.constants import REVIEW_PERMISSIONS, NoticeKind
from notices.models import Notice, NoticeRead
from tests.factories import core
from tests.factories.employers import EmployerFactory, reviewer_user

PROVINCE_NAMES = {"11": "北京市", "12": "天津市", "31": "上海市", "44": "广东省"}


class NoticeFactory(DjangoModelFactory):
    """A national 公告 published an hour ago (the body is sanitised on save, as every path does)."""

    class Meta:
        model = Notice

    kind = NoticeKind.ANNOUNCEMENT
    title = "关于开展2025年度按比例就业年审工作的通知"
    body = "<p>请各单位按时完成申报。</p>"
    region = None
    employer = None
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class NoticeReadFactory(DjangoModelFactory):
    class Meta:
        model = NoticeRead

    notice = factory.SubFactory(NoticeFactory)
    employer = factory.SubFactory(EmployerFactory)


def region(code: str, name: str | None = None):
    """tests.factories.region, with a name for province codes (the shared factory's is 北京市 or 测试省)."""
    if code.endswith("0000"):
        return core.region(code, name or PROVINCE_NAMES.get(code[:2], "某省"))
    core.region(code[:2] + "0000", PROVINCE_NAMES.get(code[:2], "某省"))
    return core.region(code, name)


def published(
    title: str = "关于开展2025年度按比例就业年审工作的通知", region_code: str | None = None, **fields
) -> Notice:
    """A 公告 to ``region_code`` (or the whole country), published an hour ago."""
    return NoticeFactory(title=title, region=region(region_code) if region_code else None, **fields)


def to_unit(employer, title: str = '安置人员"王伟"资料审核完成通知', **fields) -> Notice:
    """A 审核结果通知 to ``employer``, five minutes old."""
    data = {
        "kind": NoticeKind.REVIEW_RESULT,
        "body": "<p>审核通过。</p>",
        "publish_at": timezone.now() - timedelta(minutes=5),
    }
    data.update(fields)
    return NoticeFactory(employer=employer, title=title, **data)


def reviewer(region_code: str = "110000", **kwargs):
    """A reviewer of ``region_code`` in the 审核人员 group, with the notice permissions added to the group."""
    region(region_code)
    user = reviewer_user(region_code, **kwargs)
    user.groups.add(reviewer_group_ensure(extra_permissions=REVIEW_PERMISSIONS))
    return user
