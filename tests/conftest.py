import pytest

from tests import factories


@pytest.fixture
def employer(db):
    return factories.employer()


@pytest.fixture
def employer_user(employer):
    return factories.employer_user(employer)


@pytest.fixture
def employer_client(client, employer_user):
    client.force_login(employer_user)
    return client


@pytest.fixture
def other_employer(db):
    return factories.employer(name="上海另一家单位有限公司", region_code="310101")
