"""The acting user of a service call (the ``by`` of ``<entity>_<action>(*, …, by)``).

Every write records who did it. ``Actor`` is the authenticated user (a unit's clerk, a 残联 reviewer, an operator's
account); services that may also run without a person (a management command, a background task) take
``by: Actor | None`` and record the system as the actor.
"""

from django.contrib.auth.base_user import AbstractBaseUser

type Actor = AbstractBaseUser
