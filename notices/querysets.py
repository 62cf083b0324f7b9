from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from notices.constants import NoticeKind
from notices.scope import scope_codes, search_terms


class NoticeQuerySet(QuerySet):
    def announcements(self) -> "NoticeQuerySet":
        return self.filter(kind=NoticeKind.ANNOUNCEMENT)

    def system(self) -> "NoticeQuerySet":
        return self.exclude(kind=NoticeKind.ANNOUNCEMENT)

    def published(self, now: datetime) -> "NoticeQuerySet":
        return self.filter(publish_at__lte=now)

    def visible_to(self, employer, now: datetime) -> "NoticeQuerySet":
        """National notices, those scoped to one of the unit's regions, and the unit's own — once published."""
        codes = scope_codes([employer.federation_region_id, employer.tax_region_id, employer.registration_region_id])
        published_to_unit = Q(employer__isnull=True) & (Q(region__isnull=True) | Q(region_id__in=sorted(codes)))
        return self.published(now).filter(Q(employer=employer) | published_to_unit)

    def search(self, query: str | None) -> "NoticeQuerySet":
        """Every term in the title or the body text. ``icontains`` escapes ``%`` and ``_``: they match literally."""
        qs = self
        for term in search_terms(query):
            qs = qs.filter(Q(title__icontains=term) | Q(body_text__icontains=term))
        return qs

    def with_read_flag(self, employer) -> "NoticeQuerySet":
        from notices.models import NoticeRead

        return self.annotate(is_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), employer=employer)))

    def unread_by(self, employer) -> "NoticeQuerySet":
        from notices.models import NoticeRead

        return self.filter(~Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), employer=employer)))

    def newest_first(self) -> "NoticeQuerySet":
        return self.order_by("-pinned", "-publish_at", "-id")
