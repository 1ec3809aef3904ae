from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD = "demo-pass-1234"
#: username -> staff. Two ordinary users, to try two different people.
USERS = {"demo": False, "demo2": False, "admin": True}


class Command(BaseCommand):
    help = "Create (or reset) the demo users and print their credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        for username, staff in USERS.items():
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(PASSWORD)
            user.is_staff = user.is_superuser = staff
            user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Log in as demo / {PASSWORD} (or demo2 / {PASSWORD} for a second person; "
                f"the admin at /admin/ is admin / {PASSWORD})."
            )
        )
