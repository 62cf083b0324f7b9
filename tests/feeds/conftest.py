import pytest
from django.tasks import TaskResultStatus


class _Queued:
    status = TaskResultStatus.READY
    errors: list = []


class _FakeTask:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def enqueue(self, **kwargs) -> _Queued:
        self.calls.append(kwargs)
        return _Queued()


@pytest.fixture
def queued(monkeypatch):
    """The drains of the recompute queue an import enqueues (recorded, not run: as with a database task backend)."""
    from placements.grid import tasks

    fake = _FakeTask()
    monkeypatch.setattr(tasks, "recompute_pending", fake)
    return fake.calls
