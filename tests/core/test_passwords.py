"""Passwords are stored as Argon2id at OWASP's minimum configuration (core.passwords, ADR 0023)."""

import pytest
from argon2 import PasswordHasher as RawArgon2
from django.conf import settings as django_settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from tests import factories
from tests.conftest import PRODUCTION_PASSWORD_HASHERS

pytestmark = pytest.mark.django_db

PASSWORD = "test-pass-2026"


def test_production_stores_argon2id_19_mib_two_passes_one_lane(production_hashers):
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(PASSWORD, encoded) and not check_password("wrong-pass-2026", encoded)
    assert PRODUCTION_PASSWORD_HASHERS[0] == "core.passwords.Argon2idHasher"
    assert django_settings.PASSWORD_HASHERS == PRODUCTION_PASSWORD_HASHERS


def test_a_hash_made_with_djangos_defaults_verifies_and_is_remade_at_login(production_hashers, client, employer):
    user = factories.employer_user(employer, username="old-hash", password=PASSWORD)
    # what Django's own Argon2PasswordHasher wrote before (100 MiB, t=2, p=8)
    old = "argon2" + RawArgon2(time_cost=2, memory_cost=102400, parallelism=8).hash(PASSWORD)
    user.password = old
    user.save(update_fields=["password"])
    assert identify_hasher(old).must_update(old)

    response = client.post("/accounts/login/", {"username": "old-hash", "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(PASSWORD, user.password)
