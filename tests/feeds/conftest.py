import pytest


class _FakeTask:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def enqueue(self, **kwargs) -> None:
        self.calls.append(kwargs)


@pytest.fixture
def queued(monkeypatch):
    """The recompute tasks an import queues (recorded, not run)."""
    from placements.grid import tasks

    fake = _FakeTask()
    monkeypatch.setattr(tasks, "recompute_persons", fake)
    return fake.calls
