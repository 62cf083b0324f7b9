import pytest
from django.utils import timezone

from core.models import AuditEvent
from devdata.notices import load_demo
from notices.models import Notice
from notices.selectors import notices_visible_to
from tests import factories
from tests.factories import notices as nf


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_visible_to_the_demo_unit():
    nf.region("110000")
    unit = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    ctx = {
        "employer": unit,
        "employer_user": factories.employer_user(unit),
        "reviewer": nf.reviewer("110000"),
        "year": 2025,
        "today": timezone.localdate(),
    }
    first = load_demo(ctx)
    counts = (Notice.objects.count(), AuditEvent.objects.count())
    second = load_demo(ctx)

    assert len(first) == 5
    assert second == ["通知公告已存在，未改动"]
    assert (Notice.objects.count(), AuditEvent.objects.count()) == counts
    visible = list(notices_visible_to(unit))
    assert len(visible) == 4  # the scheduled one is not out yet
    assert visible[0].pinned
    assert any('href="https://www.cdpf.org.cn/"' in n.body for n in visible)
    assert any(n.region_id == "110000" for n in visible)
    assert any(n.employer_id == unit.pk for n in visible)
