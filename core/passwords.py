"""How passwords are stored: Argon2id at OWASP's minimum configuration (ADR 0023).

Django's own Argon2 hasher uses 100 MiB of memory, 2 passes and 8 lanes: ~160 ms of CPU a hash here, spread over
every core, so a burst of logins at the start of a filing day queues every other page behind it. OWASP's Password
Storage Cheat Sheet names 19 MiB, 2 passes and 1 lane as the minimum for Argon2id: ~20 ms on one core. The
parameters are written into each hash, so hashes made with Django's defaults still verify, and are re-made with
these at the user's next login (Django's ``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id, 19 MiB, t=2, p=1. Same algorithm name ("argon2") as Django's, so both read the same hashes."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
