"""Deployment checks (``manage.py check --deploy``): a production configuration (DEBUG off) that would run but
misbehave is refused here, before the first request, instead of being found by a user.

Errors (``--fail-level ERROR``, the default, makes the command fail; gunicorn and the systemd units run it before
starting, config/gunicorn.conf.py and docs/deploy.md):

* ``core.E001`` — no ``SECRET_KEY``: the development key committed in config/settings.py would sign the sessions
  and password-reset links of production.
* ``core.E002`` — no ``PUBLIC_BASE_URL`` (or not an absolute http(s) address, or localhost): the QR codes of the
  certificates the daily task issues would point to localhost.
* ``core.E003`` — ``STORAGE_BACKEND=s3`` without ``S3_BUCKET``.
* ``core.E004`` — ``STORAGE_BACKEND=s3`` without boto3 / django-storages installed.
* ``core.E005`` — ``STORAGE_BACKEND`` neither ``filesystem`` nor ``s3``.

Warnings: ``core.W001`` the local-memory cache with DEBUG off (each gunicorn worker counts on its own: lock-outs and
limits differ per process and node — set ``REDIS_URL``); ``core.W002`` tasks run inside the request
(``TASK_BACKEND=immediate``); ``core.W004`` no static manifest in ``STATIC_ROOT`` (run ``collectstatic``). Mail only
printed to the console (no ``EMAIL_HOST``) is refused by Django's own ``mail.E001``.

Messages are in Chinese, ids and variable names in English.
"""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "testserver"}


def _production() -> bool:
    return not settings.DEBUG


@register(Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs) -> list:
    if not _production():
        return []
    key = settings.SECRET_KEY or ""
    if not key or key == getattr(settings, "DEV_SECRET_KEY", None):
        return [
            Error(
                "生产环境（DEBUG 关闭）未设置 SECRET_KEY，正在使用代码中公开的开发密钥。",
                hint="设置环境变量 SECRET_KEY 为至少 50 个字符的随机值，例如："
                "python -c 'import secrets; print(secrets.token_urlsafe(64))'；所有节点使用同一个值。",
                id="core.E001",
            )
        ]
    return []


@register(Tags.compatibility, deploy=True)
def check_public_base_url(app_configs=None, **kwargs) -> list:
    if not _production():
        return []
    url = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.hostname and parts.hostname not in LOCAL_HOSTS:
        return []
    problem = "未设置 PUBLIC_BASE_URL" if not url else f"PUBLIC_BASE_URL（{url}）不是可从外部访问的 http(s) 地址"
    return [
        Error(
            f"生产环境（DEBUG 关闭）{problem}：每日任务生成的审核认定书二维码将指向 localhost。",
            hint="设置环境变量 PUBLIC_BASE_URL 为系统的对外地址，例如 https://wangbao.example.gov.cn",
            id="core.E002",
        )
    ]


@register(Tags.compatibility, deploy=True)
def check_storage(app_configs=None, **kwargs) -> list:
    backend = getattr(settings, "STORAGE_BACKEND", "filesystem")
    if backend not in {"filesystem", "s3"}:
        return [
            Error(
                f"STORAGE_BACKEND={backend!r} 无法识别。",
                hint="取值 filesystem（默认，MEDIA_ROOT）或 s3（对象存储）。",
                id="core.E005",
            )
        ]
    if backend != "s3":
        return []
    errors = []
    options = settings.STORAGES["default"].get("OPTIONS", {})
    if not options.get("bucket_name"):
        errors.append(
            Error(
                "STORAGE_BACKEND=s3 但未设置 S3_BUCKET：上传的文件无处存放。",
                hint="设置 S3_BUCKET（以及 S3_ENDPOINT_URL、S3_REGION 与访问凭据 AWS_ACCESS_KEY_ID、"
                "AWS_SECRET_ACCESS_KEY）。",
                id="core.E003",
            )
        )
    missing = [name for name in ("boto3", "botocore", "storages") if importlib.util.find_spec(name) is None]
    if missing:
        errors.append(
            Error(
                f"STORAGE_BACKEND=s3 但缺少 Python 包：{', '.join(missing)}。",
                hint="按 requirements.lock 安装依赖（pip install -r requirements.lock）。",
                id="core.E004",
            )
        )
    return errors


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs) -> list:
    if not _production():
        return []
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return [
            Warning(
                "生产环境使用进程内缓存：各 gunicorn 进程、各节点的计数（登录锁定、查询限制）互不相通。",
                hint="设置 REDIS_URL（例如 redis://redis.internal:6379/0）。",
                id="core.W001",
            )
        ]
    return []


@register(deploy=True)
def check_task_backend(app_configs=None, **kwargs) -> list:
    if not _production():
        return []
    if settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend"):
        return [
            Warning(
                "生产环境的后台任务在请求内立即执行（TASK_BACKEND=immediate）：导入后的重算会拖慢请求。",
                hint="设置 TASK_BACKEND=database 并运行 manage.py db_worker（见 docs/deploy.md）。",
                id="core.W002",
            )
        ]
    return []


@register(Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs=None, **kwargs) -> list:
    if not _production():
        return []
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" not in backend:
        return []
    from pathlib import Path

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        return [
            Warning(
                f"STATIC_ROOT（{settings.STATIC_ROOT}）中没有静态文件清单：页面引用的样式和脚本将无法找到。",
                hint="部署时运行 manage.py collectstatic --noinput。",
                id="core.W004",
            )
        ]
    return []
