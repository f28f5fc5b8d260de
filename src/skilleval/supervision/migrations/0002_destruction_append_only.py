"""On PostgreSQL the database itself refuses to change or delete destruction ledger lines."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION supervision_destruction_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the destruction ledger is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS supervision_destruction_append_only ON supervision_destruction;
CREATE TRIGGER supervision_destruction_append_only BEFORE UPDATE OR DELETE ON supervision_destruction
    FOR EACH ROW EXECUTE FUNCTION supervision_destruction_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS supervision_destruction_append_only ON supervision_destruction;
DROP FUNCTION IF EXISTS supervision_destruction_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
