"""Top navigation of the employer side; the current page is marked with aria-current."""

from django.conf import settings
from django.http import HttpRequest

NAVIGATION = [
    ("home", "首页", "/"),
    ("placements", "残疾人安置管理", "/placements/"),
    ("employer", "单位信息维护管理", "/employer/"),
    ("relief", "缓减免申请", "/relief/"),
    ("levy", "残保金计算器", "/levy/calculator/"),
    ("notices", "通知公告", "/notices/"),
    ("manual", "系统操作手册", "/manual/"),
]


def navigation(request: HttpRequest) -> dict:
    path = request.path
    items = []
    for key, label, url in NAVIGATION:
        section = "/levy/" if key == "levy" else url
        current = path == "/" if url == "/" else path.startswith(section)
        items.append({"key": key, "label": label, "url": url, "current": current})
    return {"nav_items": items}


def site_footer(request: HttpRequest) -> dict:
    """The government-site footer of every page (主办单位, ICP 备案号, 公网安备号, 网站标识码), from
    ``settings.GOV_SITE`` (env vars SITE_SPONSOR, SITE_ICP, SITE_PSB, SITE_ID); an empty item is not shown."""
    values = getattr(settings, "GOV_SITE", {}) or {}
    psb = (values.get("psb") or "").strip()
    psb_code = "".join(ch for ch in psb if ch.isdigit())
    return {
        "site_footer": {
            "sponsor": (values.get("sponsor") or "").strip(),
            "icp": (values.get("icp") or "").strip(),
            "psb": psb,
            "psb_url": f"https://beian.mps.gov.cn/#/query/webSearch?code={psb_code}" if psb_code else "",
            "site_id": (values.get("site_id") or "").strip(),
        }
    }
