from django.db import models


class NoticeKind(models.TextChoices):
    """公告 are published by reviewers to a region; the other kinds are system notices to one unit."""

    ANNOUNCEMENT = "announcement", "公告"
    REVIEW_RESULT = "review_result", "审核结果通知"
    DECLARATION = "declaration", "申报通知"
    RELIEF = "relief", "缓减免通知"
    SYSTEM = "system", "系统通知"


SYSTEM_KINDS = frozenset(k for k in NoticeKind.values if k != NoticeKind.ANNOUNCEMENT)

PAGE_SIZE = 20
SEARCH_MAX_CHARS = 100
SEARCH_MAX_TERMS = 5

# What the 「审核人员」 group needs for the notice admin (dashboard.roles.roles_bootstrap, manage.py bootstrap_roles).
REVIEW_PERMISSIONS = (
    "notices.view_notice",
    "notices.add_notice",
    "notices.change_notice",
    "notices.delete_notice",
    "notices.view_systemnotice",
)
