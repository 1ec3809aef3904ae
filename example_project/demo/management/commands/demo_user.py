from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "demo"
PASSWORD = "demo-pass-1234"


class Command(BaseCommand):
    help = "Create (or reset) the demo user and the admin user, and print their credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        for username, staff in ((USERNAME, False), ("admin", True)):
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(PASSWORD)
            user.is_staff = user.is_superuser = staff
            user.save()
        self.stdout.write(
            self.style.SUCCESS(f"Log in as {USERNAME} / {PASSWORD} (admin: admin / {PASSWORD}).")
        )
