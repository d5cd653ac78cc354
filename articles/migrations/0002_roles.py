"""Create the Editors, Annotators and Viewers groups with their model permissions."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

GROUP_PERMISSIONS = {
    "Editors": (
        "add_article", "change_article", "delete_article", "view_article",
        "add_claim", "change_claim", "delete_claim", "view_claim",
        "add_claimappearance", "change_claimappearance", "delete_claimappearance",
        "view_claimappearance",
        "add_assignment", "change_assignment", "delete_assignment", "view_assignment",
        "view_annotation",
        "view_consensus",
        "view_annotatorreliability",
        "add_verdict", "view_verdict",
        "add_importbatch", "view_importbatch",
        "view_historicalannotation", "view_historicalverdict", "view_historicalclaim",
    ),
    "Annotators": (
        "view_article",
        "view_claim",
        "view_claimappearance",
        "add_annotation", "change_annotation", "view_annotation",
        "view_assignment",
    ),
    "Viewers": (
        "view_article",
        "view_claim",
        "view_claimappearance",
        "view_consensus",
        "view_annotatorreliability",
        "view_verdict",
    ),
}


def create_groups(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Permissions are normally created after all migrations ran; make them exist now.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions not found for {name}: {sorted(missing)}")
        group.permissions.set(perms)


def remove_groups(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
