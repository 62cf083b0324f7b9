from datetime import timedelta

from django.utils import timezone

from notices.constants import NoticeKind
from notices.models import Notice
from tests import factories

PROVINCE_NAMES = {"11": "北京市", "12": "天津市", "31": "上海市", "44": "广东省"}


def region(code: str, name: str | None = None):
    """tests.factories.region, with a name for province codes (the shared factory leaves it empty)."""
    if code.endswith("0000"):
        return factories.region(code, name or PROVINCE_NAMES.get(code[:2], "某省"))
    factories.region(code[:2] + "0000", PROVINCE_NAMES.get(code[:2], "某省"))
    return factories.region(code, name)


def published(
    title: str = "关于开展2025年度按比例就业年审工作的通知", region_code: str | None = None, **fields
) -> Notice:
    data = {
        "kind": NoticeKind.ANNOUNCEMENT,
        "title": title,
        "body": "<p>请各单位按时完成申报。</p>",
        "region": region(region_code) if region_code else None,
        "publish_at": timezone.now() - timedelta(hours=1),
    }
    data.update(fields)
    notice = Notice(**data)
    notice.save()
    return notice


def to_unit(employer, title: str = '安置人员"王伟"资料审核完成通知', **fields) -> Notice:
    data = {
        "kind": NoticeKind.REVIEW_RESULT,
        "title": title,
        "body": "<p>审核通过。</p>",
        "employer": employer,
        "publish_at": timezone.now() - timedelta(minutes=5),
    }
    data.update(fields)
    notice = Notice(**data)
    notice.save()
    return notice


def reviewer(region_code: str = "110000", **kwargs):
    """A reviewer of ``region_code`` in the 审核人员 group, with the notice permissions added to the group."""
    from employers.services import reviewer_group_ensure
    from notices.constants import REVIEW_PERMISSIONS

    region(region_code)
    user = factories.reviewer_user(region_code, **kwargs)
    user.groups.add(reviewer_group_ensure(extra_permissions=REVIEW_PERMISSIONS))
    return user
