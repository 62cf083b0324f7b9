#!/usr/bin/env bash
# Backup and restore drill against the local cluster (docs/deploy.md "Backups and restore"), printing its figures:
#   1. pg_dump -Fc of the cluster's database; pg_restore -j 2 into a scratch database; the row counts of every
#      table compared (django_migrations included);
#   2. a copy of every object of the cluster's bucket into a second bucket, each object's checksum compared; Django
#      pointed at the restored database and the copy: every stored-file row has its object, and files read back
#      through S3Storage match the SHA-256 kept in their row.
# Then the scratch database and the copy bucket are removed (KEEP=1 keeps them).
#   scripts/backup_drill.sh [DATABASE]   (default: the cluster's, from var/cluster/env)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${CLUSTER_DIR:-var/cluster}
[ -f "$RUN/env" ] || { echo "no cluster environment ($RUN/env): make cluster first" >&2; exit 1; }
set -a; . "$RUN/env"; set +a
DB=${1:-${DATABASE_URL##*/}}
SCRATCH=${DB}_restore_drill
DUMP=$(mktemp -d)/$DB.dump
PY=.venv/bin/python
cleanup() {
  rm -rf "$(dirname "$DUMP")"
  if [ -z "${KEEP:-}" ]; then
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $SCRATCH WITH (FORCE)" postgres >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "backup drill: database $DB ($(psql -h 127.0.0.1 -U postgres -tAc "SELECT pg_size_pretty(pg_database_size('$DB'))" postgres)); load average $(cut -d' ' -f1-3 /proc/loadavg) on 2 shared cores"
t=$(date +%s.%N)
pg_dump -h 127.0.0.1 -U postgres -Fc -f "$DUMP" "$DB"
printf '  pg_dump -Fc: %.1f s, %s\n' "$(echo "$(date +%s.%N) - $t" | bc)" "$(du -h "$DUMP" | cut -f1)"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $SCRATCH WITH (FORCE)" postgres
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $SCRATCH" postgres
t=$(date +%s.%N)
pg_restore -h 127.0.0.1 -U postgres -j 2 --no-owner -d "$SCRATCH" "$DUMP"
printf '  pg_restore -j 2 into %s: %.1f s\n' "$SCRATCH" "$(echo "$(date +%s.%N) - $t" | bc)"

count_rows() { # DB -> "table count" lines (exact counts)
  psql -h 127.0.0.1 -U postgres -tA -F' ' "$1" -c "
    SELECT format('SELECT %L, count(*) FROM %I.%I;', tablename, schemaname, tablename)
    FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename" | psql -h 127.0.0.1 -U postgres -tA -F' ' "$1"
}
if diff <(count_rows "$DB") <(count_rows "$SCRATCH") >/dev/null; then
  echo "  row counts: all $(count_rows "$DB" | wc -l) tables equal ($(count_rows "$DB" | awk '{s+=$2} END {print s}') rows)"
else
  echo "  ROW COUNTS DIFFER:"; diff <(count_rows "$DB") <(count_rows "$SCRATCH") | head; exit 1
fi
echo "object storage: bucket $S3_BUCKET at $S3_ENDPOINT_URL"
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$SCRATCH" "$PY" - <<'EOF'
import hashlib, os, sys, time
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name=os.environ["S3_REGION"])
source, copy = os.environ["S3_BUCKET"], os.environ["S3_BUCKET"] + "-drill-copy"
existing = [b["Name"] for b in s3.list_buckets()["Buckets"]]
if copy not in existing:
    s3.create_bucket(Bucket=copy)
started = time.monotonic()
n = size = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=source):
    for obj in page.get("Contents", []):
        s3.copy_object(Bucket=copy, Key=obj["Key"], CopySource={"Bucket": source, "Key": obj["Key"]})
        n += 1
        size += obj["Size"]
copied = time.monotonic() - started
bad = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=source):
    for obj in page.get("Contents", []):
        a = hashlib.sha256(s3.get_object(Bucket=source, Key=obj["Key"])["Body"].read()).hexdigest()
        b = hashlib.sha256(s3.get_object(Bucket=copy, Key=obj["Key"])["Body"].read()).hexdigest()
        bad += a != b
print(f"  copied {n} objects ({size / 1e6:.2f} MB) to {copy} in {copied:.1f} s; checksums differing: {bad}")
# The restored database against the copy: every stored file's object is there.
os.environ["S3_BUCKET"] = copy
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.core.files.storage import default_storage
from core.models import StoredFile
files = list(StoredFile.objects.all())
missing = [f.pk for f in files if not default_storage.exists(f.file.name)]
verified = 0
for stored in files[:20]:
    with default_storage.open(stored.file.name) as handle:
        verified += hashlib.sha256(handle.read()).hexdigest() == stored.sha256
print(f"  restored database + bucket copy: {len(files)} stored-file rows, {len(missing)} without their object; "
      f"{verified} of {min(20, len(files))} read back through S3Storage match the SHA-256 kept in their row")
if not os.environ.get("KEEP"):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=copy):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=copy, Key=obj["Key"])
    s3.delete_bucket(Bucket=copy)
sys.exit(1 if bad or missing or verified < min(20, len(files)) else 0)
EOF
echo "backup drill: OK"
