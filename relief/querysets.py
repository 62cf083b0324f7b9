"""Querysets of 缓减免申请 with methods named after the states."""

from django.db import models

from relief import transitions


class ReliefApplicationQuerySet(models.QuerySet):
    def of(self, employer) -> "ReliefApplicationQuerySet":
        return self.filter(employer=employer)

    def drafts(self) -> "ReliefApplicationQuerySet":
        return self.filter(state=transitions.DRAFT)

    def submitted(self) -> "ReliefApplicationQuerySet":
        """Waiting for a reviewer's decision."""
        return self.filter(state=transitions.SUBMITTED)

    def approved(self) -> "ReliefApplicationQuerySet":
        return self.filter(state=transitions.APPROVED)

    def rejected(self) -> "ReliefApplicationQuerySet":
        return self.filter(state=transitions.REJECTED)

    def returned(self) -> "ReliefApplicationQuerySet":
        return self.filter(state=transitions.RETURNED)

    def public_list(self, year: int) -> "ReliefApplicationQuerySet":
        """The approved applications of a business year, as published (unit, approving body, document, reason)."""
        return (
            self.approved()
            .filter(year=year)
            .select_related("employer")
            .only(
                "id",
                "year",
                "kind",
                "decided_at",
                "approving_body",
                "document_number",
                "decision_reason",
                "employer__id",
                "employer__name",
                "employer__uscc",
            )
            .order_by("decided_at", "id")
        )
