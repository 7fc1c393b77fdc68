"""Migrate and seed a fresh Argus database, in one Django process.

This script runs with the argus-server virtualenv's Python (Django and
Argus are importable there, pyargus is not). The harness copies it next to
its settings module and runs::

    python _seed.py CONFIG.json RESULT.json

CONFIG holds the user names, passwords and the source type (and the end
users, with their e-mail and staff flag); RESULT gets
the primary keys and the API tokens. The tokens are knox tokens without an
expiry, created directly in the database, so they stay valid in every copy
of the database made from the seeded one.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any


def seed(config: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()

    from argus.incident.models import SourceSystem
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from knox.models import AuthToken

    out = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0, stdout=out)
    admin_name = config["admin_username"]
    call_command(
        "initial_setup",
        username=admin_name,
        password=config["admin_password"],
        stdout=out,
        stderr=out,
    )
    user_model = get_user_model()
    admin = user_model.objects.get(username=admin_name)
    result: dict[str, Any] = {
        "admin_username": admin_name,
        "admin_pk": admin.pk,
        "admin_token": AuthToken.objects.create(admin, expiry=None)[1],
        "sources": [],
    }
    result["users"] = {}
    for role, user_config in config.get("users", {}).items():
        user = user_model.objects.create_user(
            user_config["username"],
            user_config["email"],
            config["user_password"],
            is_staff=user_config.get("is_staff", False),
        )
        result["users"][role] = {
            "username": user.username,
            "pk": user.pk,
            "token": AuthToken.objects.create(user, expiry=None)[1],
        }
    for name in config["sources"]:
        call_command("create_source", name, source_type=config["source_type"], stdout=out)
        source = SourceSystem.objects.get(name=name, type__name=config["source_type"])
        user = source.user
        user.set_password(config["source_password"])
        user.save()
        result["sources"].append(
            {
                "name": name,
                "pk": source.pk,
                "user_pk": user.pk,
                "username": user.username,
                "token": AuthToken.objects.create(user, expiry=None)[1],
            }
        )
    return result


def main() -> None:
    with open(sys.argv[1]) as config_file:
        config = json.load(config_file)
    result = seed(config)
    with open(sys.argv[2], "w") as result_file:
        json.dump(result, result_file)


if __name__ == "__main__":
    main()
