"""HR edits incentive rules, runs evaluations and reviews the ledger. On
PostgreSQL a trigger also guards the ledger: no DELETE, and an UPDATE only for
the review of a pending entry (the ORM refuses the rest already)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

HR = "HR"
HR_PERMISSIONS = [
    "add_incentiverule", "change_incentiverule", "view_incentiverule",
    "add_ruleversion", "view_ruleversion",
    "add_ledgerentry", "change_ledgerentry", "view_ledgerentry",
    "add_evaluationrun", "view_evaluationrun",
    "view_remediationlink",
]

GUARD_SQL = """
CREATE OR REPLACE FUNCTION incentives_ledger_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'incentives ledger is append-only: DELETE refused';
    END IF;
    IF OLD.status <> 'pending'
       OR NEW.status NOT IN ('approved', 'rejected')
       OR (NEW.staff_id, NEW.rule_version_id, NEW.kind, NEW.points, NEW.amount,
           NEW.period, NEW.source_type_id, NEW.source_id, NEW.posting_key,
           NEW.reason, NEW.is_manual, NEW.created_by_id, NEW.created_at,
           NEW.evaluation_run_id, NEW.reversal_of_id)
          IS DISTINCT FROM
          (OLD.staff_id, OLD.rule_version_id, OLD.kind, OLD.points, OLD.amount,
           OLD.period, OLD.source_type_id, OLD.source_id, OLD.posting_key,
           OLD.reason, OLD.is_manual, OLD.created_by_id, OLD.created_at,
           OLD.evaluation_run_id, OLD.reversal_of_id)
    THEN
        RAISE EXCEPTION 'incentives ledger is append-only: only a pending entry may be reviewed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS incentives_ledger_guard ON incentives_ledgerentry;
CREATE TRIGGER incentives_ledger_guard
    BEFORE UPDATE OR DELETE ON incentives_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION incentives_ledger_guard();
"""

DROP_GUARD_SQL = """
DROP TRIGGER IF EXISTS incentives_ledger_guard ON incentives_ledgerentry;
DROP FUNCTION IF EXISTS incentives_ledger_guard();
"""


def grant(apps, schema_editor):
    app_config = apps.get_app_config("incentives")
    app_config.models_module = True  # the migration state stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr, _created = Group.objects.get_or_create(name=HR)
    hr.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="incentives", codename__in=HR_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=HR):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="incentives", codename__in=HR_PERMISSIONS
            )
        )


def add_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GUARD_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0003_ledger"),
        ("org", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
        migrations.RunPython(add_guard, drop_guard),
    ]
