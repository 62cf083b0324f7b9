"""Fill AuditEvent.employer of the events recorded before it existed (issue 15), in batches of ids.

Each batch is one portable UPDATE (SQLite and PostgreSQL) in its own transaction (the migration is not atomic, so
millions of rows are not one transaction): ``employer_id = CASE object_type WHEN … THEN (the object's unit) END``.
The object's unit is found for

- ``employers.employer``: the object itself;
- every model with an ``employer`` field (accounts, related units, placements, declarations, 申报提醒, 申报期延期,
  stored files, unit notices, 缓减免申请, …);
- models one foreign key away from one (a related unit's proof, a placement's contract, …);
- ``feeds.registryperson`` (registry lookups, ``object_id`` = the ID number): the unit in ``changes["employer"]``.

It stays empty — approximately right, the reader reaches those through their actor — for objects of no unit (logins,
reviewer profiles, regions, the calendar, reference data, feed imports, export batches and their tax receipts,
notices to all units, OTP devices) and for events whose object row no longer exists. Models are looked up in the
migration state by the event's object type (no import: core is the bottom layer, ADR 0010); the dependencies below
make the apps' current models part of that state.
"""

from django.db import migrations, models
from django.db.models import BigIntegerField, Case, OuterRef, Q, Subquery, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

BATCH = 20_000
REGISTRY_LOOKUP = "feeds.registryperson"


def _unit_path(model) -> str | None:
    """The lookup from ``model`` to its unit's id, or None."""
    if model._meta.label_lower == "employers.employer":
        return "pk"
    names = {f.name for f in model._meta.concrete_fields}
    if "employer" in names:
        return "employer_id"
    for field in model._meta.concrete_fields:
        if field.many_to_one and field.related_model is not None:
            target = field.related_model
            if target._meta.label_lower == "employers.employer":
                return f"{field.name}_id"
            if "employer" in {f.name for f in target._meta.concrete_fields}:
                return f"{field.name}__employer_id"
    return None


def resolvers(apps, object_types) -> dict[str, models.Expression]:
    """For each object type whose unit can be found, the expression giving it."""
    out = {}
    for object_type in object_types:
        if object_type == REGISTRY_LOOKUP:
            out[object_type] = Cast(KT("changes__employer"), BigIntegerField())
            continue
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        path = _unit_path(model)
        if path is None or model._meta.pk.get_internal_type() not in ("AutoField", "BigAutoField", "IntegerField"):
            continue
        objects = model._default_manager.filter(pk=Cast(OuterRef("object_id"), BigIntegerField()))
        out[object_type] = Subquery(objects.values(path)[:1])
    return out


def backfill(apps, schema_editor, batch: int = BATCH) -> int:
    """Fill the events without a unit; the number of batches run."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    types = AuditEvent.objects.filter(employer__isnull=True).values_list("object_type", flat=True).distinct()
    expressions = resolvers(apps, list(types.order_by()))
    if not expressions:
        return 0
    whens = [When(object_type=t, then=e) for t, e in expressions.items()]
    case = Case(*whens, default=None, output_field=BigIntegerField())
    numeric = Q(object_id__regex=r"^[0-9]{1,18}$") | Q(object_type=REGISTRY_LOOKUP)
    todo = AuditEvent.objects.filter(numeric, employer__isnull=True, object_type__in=list(expressions))
    bounds = todo.aggregate(low=models.Min("id"), high=models.Max("id"))
    if bounds["low"] is None:
        return 0
    runs = 0
    for start in range(bounds["low"], bounds["high"] + 1, batch):
        todo.filter(id__gte=start, id__lt=start + batch).update(employer_id=case)
        runs += 1
    return runs


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0008_audit_employer_and_wider_content_type"),
        ("employers", "0006_proxy_commitment"),
        ("placements", "0008_chinese_field_labels"),
        ("declarations", "0011_unit_year_figures"),
        ("notices", "0004_attachments_not_public"),
        ("relief", "0001_initial"),
        ("levy", "0002_verbose_names_in_chinese"),
        ("feeds", "0004_feed_import_reasons"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
