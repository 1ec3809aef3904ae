from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD = "demo-pass-1234"
#: username -> staff. Two ordinary users, to try two different people.
USERS = {"demo": False, "demo2": False, "admin": True}
#: What each is for, as the login page shows it (the demo only: a real site shows no logins).
PURPOSES = {
    "demo": "일반 회원",
    "demo2": "다른 한 사람 (한 사람은 한 계정만)",
    "admin": "관리자: /admin/ 에서 본인인증 기록과 통계",
}


class Command(BaseCommand):
    help = "Create (or reset) the demo users; the login page lists them."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        for username, staff in USERS.items():
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(PASSWORD)
            user.is_staff = user.is_superuser = staff
            user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"데모 계정: demo / {PASSWORD} (다른 한 사람: demo2, 관리자: admin, "
                "비밀번호 같음). 로그인 화면에도 있습니다."
            )
        )
