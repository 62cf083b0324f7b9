from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from notices.models import NoticeRead
from tests import factories
from tests.factories import notices as nf
from tests.factories import otp_login


def totp_now(device: TOTPDevice) -> str:
    """The code an authenticator app would show for ``device`` right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploads go to a temporary directory, never to var/uploads."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def reviewer(db):
    return nf.reviewer("110000", username="bj-reviewer")


@pytest.fixture
def reviewer_client(client, reviewer):
    otp_login(client, reviewer)
    return client


@pytest.fixture
def world():
    """Units in Beijing (three different regions), Shanghai and a unit without regions' codes being canonical;
    notices national, to each level of Beijing, to Shanghai, to each unit, scheduled, and some of them read."""
    chaoyang = factories.employer(region_code="110105")
    chaoyang.tax_region = nf.region("110108")
    chaoyang.registration_region = nf.region("120101")  # another province: its notices reach the unit too
    chaoyang.save()
    dongcheng = factories.employer(region_code="110101")
    shanghai = factories.employer(region_code="310101")
    now = timezone.now()
    notices = [
        nf.published("全国"),
        nf.published("北京市", "110000"),
        nf.published("北京市辖区", "110100"),
        nf.published("朝阳区", "110105"),
        nf.published("海淀区", "110108"),
        nf.published("天津市和平区", "120101"),
        nf.published("天津市", "120000"),
        nf.published("东城区", "110101"),
        nf.published("上海市", "310000"),
        nf.published("定时全国", publish_at=now + timedelta(hours=2)),
        nf.published("定时北京", "110000", publish_at=now + timedelta(minutes=30)),
        nf.to_unit(chaoyang, "朝阳单位的通知"),
        nf.to_unit(chaoyang, "朝阳单位的定时通知", publish_at=now + timedelta(days=1)),
        nf.to_unit(dongcheng, "东城单位的通知"),
        nf.to_unit(shanghai, "上海单位的通知"),
    ]
    for i, notice in enumerate(notices):
        for j, unit in enumerate((chaoyang, dongcheng, shanghai)):
            if (i + j) % 3 == 0:
                NoticeRead.objects.create(notice=notice, employer=unit)
    return {"units": (chaoyang, dongcheng, shanghai), "now": now}
