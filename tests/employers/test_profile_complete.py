"""A unit opened by its first 法人 sign-on is 资料待完善 until its basic information is saved complete."""

from employers.models import Employer, EmployerAccount
from tests import factories
from tests.employers.test_employer_page import URL, form_data


def test_complete_save_ends_the_incomplete_state(client, regions):
    unit = factories.employer(region_code="110105")
    Employer.objects.filter(pk=unit.pk).update(profile_complete=False)
    clerk = factories.employer_user(unit)
    EmployerAccount.objects.filter(user=clerk).update(is_admin=True)
    client.force_login(clerk)
    assert client.get("/levy/staff/2025/")["Location"] == "/employer/"
    assert "资料待完善" in client.get(URL).content.decode()
    assert client.post(URL, form_data(unit, contact_name="郑洁")).status_code == 302
    unit.refresh_from_db()
    assert unit.profile_complete
    assert client.get("/levy/staff/2025/").status_code == 200
