"""The month table's reference triggers on SQLite, kept in place (migration 0011 installs them on both databases;
docs/adr/0001-month-grid.md, session 8).

SQLite drops a table's triggers with the table, and Django alters a column on SQLite by copying the table into a new
one: a later migration touching ``placements_placementmonth``, ``placements_placement`` or the user table would
leave the month rows unguarded without a word. So after every ``migrate`` (``post_migrate``) the triggers are
created again where missing. PostgreSQL alters tables in place and keeps them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

MIGRATION = "0011_month_references_by_triggers"
SQLITE_TRIGGERS = {
    "placementmonth_refs_insert": """CREATE TRIGGER IF NOT EXISTS placementmonth_refs_insert
    AFTER INSERT ON placements_placementmonth
    WHEN NOT EXISTS (SELECT 1 FROM placements_placement WHERE id = NEW.placement_id)
        OR (NEW.decided_by_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {users} WHERE id = NEW.decided_by_id))
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END""",
    "placementmonth_refs_update": """CREATE TRIGGER IF NOT EXISTS placementmonth_refs_update
    AFTER UPDATE OF placement_id, decided_by_id ON placements_placementmonth
    WHEN NOT EXISTS (SELECT 1 FROM placements_placement WHERE id = NEW.placement_id)
        OR (NEW.decided_by_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {users} WHERE id = NEW.decided_by_id))
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END""",
    "placement_months_delete": """CREATE TRIGGER IF NOT EXISTS placement_months_delete
    AFTER DELETE ON placements_placement
    BEGIN DELETE FROM placements_placementmonth WHERE placement_id = OLD.id; END""",
    "placement_key_update": """CREATE TRIGGER IF NOT EXISTS placement_key_update
    AFTER UPDATE OF id ON placements_placement
    WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM placements_placementmonth WHERE placement_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END""",
    "placements_user_decisions_clear": """CREATE TRIGGER IF NOT EXISTS placements_user_decisions_clear
    AFTER DELETE ON {users}
    BEGIN UPDATE placements_placementmonth SET decided_by_id = NULL WHERE decided_by_id = OLD.id; END""",
}


def ensure_sqlite_triggers(using: str = "default", *, installing: bool = False) -> list[str]:
    """Create the month table's reference triggers where missing (SQLite; nothing elsewhere), once migration 0011 is
    applied (``installing``: by 0011 itself). Returns the names created.

    A later migration that rebuilds ``placements_placementmonth`` on SQLite must drop these triggers first and let
    the ``post_migrate`` after it put them back: the triggers on the placement and user tables name the month table,
    and SQLite refuses the rename that ends Django's rebuild while they do (seen migrating back and forth)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    from django.apps import apps

    users = connection.ops.quote_name(apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in cursor.fetchall()}
        if not {"placements_placementmonth", "placements_placement"} <= tables:
            return []  # not migrated this far yet
        if not installing:
            cursor.execute("SELECT 1 FROM django_migrations WHERE app = 'placements' AND name = %s", [MIGRATION])
            if cursor.fetchone() is None:
                return []  # migrated back before the triggers (0011 reversed drops them)
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
        created = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in created:
            cursor.execute(SQLITE_TRIGGERS[name].replace("{users}", users))
    return created


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    ensure_sqlite_triggers(using)
