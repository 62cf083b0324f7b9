"""Demo 通知公告: national and Beijing notices (one pinned, one with links, one scheduled) and a system notice
for the demo unit. Idempotent: a notice whose title already exists is left alone. No TOTP devices are created:
the demo reviewer sets one up on the first admin login."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from core.models import Region
from dashboard.roles import roles_bootstrap
from notices.constants import NoticeKind
from notices.models import Notice
from notices.services import notice_publish, notice_send_to_unit


def _at(day, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _published(year: int, today) -> list[dict]:
    return [
        {
            "title": f"关于做好{year}年度用人单位按比例安排残疾人就业年审工作的通知",
            "region": None,
            "pinned": True,
            "publish_at": _at(today - timedelta(days=20)),
            "body": (
                f"<p>各用人单位：</p><p>根据《残疾人就业条例》和《残疾人就业保障金征收使用管理办法》，现就{year}年度"
                "按比例安排残疾人就业年审工作通知如下。</p>"
                "<h2>一、申报时间</h2><p>各省申报期以当地残联公布的时间为准，请在申报期内完成网上申报。</p>"
                "<h2>二、申报材料</h2><ul><li>安置残疾人的劳动合同或劳务派遣协议；</li>"
                "<li>按月足额缴纳社会保险的证明；</li><li>不低于当地月最低工资标准的工资发放记录；</li>"
                "<li>残疾人证或残疾军人证。</li></ul>"
                "<h2>三、注意事项</h2><p>系统校验未通过的月份，请在<strong>信息校验</strong>环节上传证明材料，"
                "由残联审核。</p>"
            ),
        },
        {
            "title": "残疾人就业保障金征收政策解读",
            "region": None,
            "pinned": False,
            "publish_at": _at(today - timedelta(days=35), 15),
            "body": (
                "<p>用人单位安排残疾人就业达不到规定比例的，应当缴纳残疾人就业保障金。"
                '政策原文请见<a href="https://www.gov.cn/zhengce/">中国政府网政策文件库</a>，'
                '就业服务信息请见<a href="https://www.cdpf.org.cn/">中国残疾人联合会网站</a>。</p>'
                "<blockquote>在职职工人数在30人（含）以下的企业，暂免征收残疾人就业保障金（以当期政策为准）。</blockquote>"
                '<p>如有疑问请发送邮件至 <a href="mailto:jiuye@example.cn">jiuye@example.cn</a>（示例地址）。</p>'
            ),
        },
        {
            "title": f"北京市{year}年度按比例就业网上申报时间安排",
            "region": "110000",
            "pinned": False,
            "publish_at": _at(today - timedelta(days=10), 10),
            "body": (
                "<p>本市各用人单位：</p><ol><li>请先核对单位信息，并维护关联单位；</li>"
                "<li>登记安置的残疾人员并完成信息校验；</li><li>在申报期截止前提交年审申报。</li></ol>"
                "<p>逾期未申报的单位，按未安排残疾人就业处理。</p>"
            ),
        },
        {
            "title": "关于系统维护的预告（定时发布示例）",
            "region": "110000",
            "pinned": False,
            "publish_at": _at(today + timedelta(days=7), 8),
            "body": "<p>本通知为定时发布示例：发布时间之前，用人单位看不到本条通知。</p>",
        },
    ]


def load_demo(ctx) -> list[str]:
    roles_bootstrap()  # the notice admin's permissions for 「审核人员」 (manage.py bootstrap_roles)
    today, year, employer, reviewer = ctx["today"], ctx["year"], ctx["employer"], ctx["reviewer"]
    regions = {r.code: r for r in Region.objects.filter(code__in=["110000"])}
    lines = []
    for item in _published(year, today):
        if Notice.objects.filter(kind=NoticeKind.ANNOUNCEMENT, title=item["title"]).exists():
            continue
        region = regions.get(item["region"]) if item["region"] else None
        if item["region"] and region is None:
            continue  # reference data without Beijing: skip the regional notices
        notice_publish(
            title=item["title"],
            body=item["body"],
            region=region,
            publish_at=item["publish_at"],
            pinned=item["pinned"],
            attachments=(),
            by=reviewer if region is not None else None,  # national: the system (a province reviewer may not)
        )
        lines.append(f"公告「{item['title']}」（{region or '全国'}）")
    welcome = "网报账号已开通"
    if not Notice.objects.filter(employer=employer, title=welcome).exists():
        notice_send_to_unit(
            employer=employer,
            title=welcome,
            body=(
                f"{employer.name}：\n您的单位网报账号已开通。\n\n"
                "请先在「单位信息维护管理」核对单位信息，再在「残疾人安置管理」登记安置人员。"
            ),
            kind=NoticeKind.SYSTEM,
        )
        lines.append(f"系统通知「{welcome}」→ {employer.name}")
    return lines or ["通知公告已存在，未改动"]
