"""Request id on responses and log lines; the log line format (text and JSON, time in TIME_ZONE)."""

import json
import logging

import pytest

from core import requestid


@pytest.mark.django_db
def test_every_response_has_a_request_id(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-0123456789"})["X-Request-ID"] == "lb-0123456789"
    # a forged value that would break a log line is replaced
    assert client.get("/healthz", headers={"X-Request-ID": 'x" injected'})["X-Request-ID"] != 'x" injected'


@pytest.mark.django_db
def test_django_request_lines_carry_the_request_id(client, caplog):
    client.get("/no-such-page/", headers={"X-Request-ID": "lb-0123456789"})
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert requestid.RequestIdFilter().filter(record) and record.request_id == "lb-0123456789"
    assert requestid.current() == "-"  # forgotten when the response was closed


def _record(message: str, **extra) -> logging.LogRecord:
    record = logging.LogRecord("declarations.tasks", logging.ERROR, __file__, 1, message, (), None)
    record.created = 1796529600.0  # 2026-12-06 04:00:00 UTC
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_text_line_has_time_level_logger_and_request_id():
    line = requestid.LogFormatter(time_zone="Asia/Shanghai").format(_record("证书生成失败", request_id="abc123"))
    assert line == "2026-12-06T12:00:00.000+08:00 ERROR declarations.tasks [abc123] 证书生成失败"


def test_json_line():
    line = requestid.LogFormatter(as_json=True, time_zone="Asia/Shanghai").format(_record("证书生成失败"))
    entry = json.loads(line)
    assert entry["time"] == "2026-12-06T12:00:00.000+08:00"
    assert (entry["level"], entry["logger"], entry["request_id"], entry["message"]) == (
        "ERROR",
        "declarations.tasks",
        "-",
        "证书生成失败",
    )
