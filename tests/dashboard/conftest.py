from datetime import datetime

import pytest
import time_machine

from tests.factories.declarations import SHANGHAI

# Inside the default filing window of business year 2025 (2026-03-01 … 2026-10-31): 31 days before it closes.
TODAY = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller
