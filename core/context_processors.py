"""Top navigation of the employer side; the current page is marked with aria-current."""

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
