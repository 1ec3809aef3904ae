import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_portone_cert.doctor import diagnose

MARKS = {"ok": "ok", "warning": "warning", "error": "ERROR"}


class Command(BaseCommand):
    help = (
        "Prove the PORTONE_CERT settings against PortOne without spending anything (V1: "
        "getToken and a made-up lookup; V2: a made-up lookup), and show what the deployment "
        "gets wrong. Exits 1 when something fails; warnings do not fail it. Never prints a "
        "secret."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = diagnose()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"PortOne {report.api_version.upper()} at {report.host or '?'}")
            for finding in report.findings:
                line = f"  {MARKS[finding.level]:<8} {finding.topic:<9} {finding.message}"
                style = {"ok": self.style.SUCCESS, "warning": self.style.WARNING}
                self.stdout.write(style.get(finding.level, self.style.ERROR)(line))
            errors = sum(f.level == "error" for f in report.findings)
            warnings = sum(f.level == "warning" for f in report.findings)
            self.stdout.write(f"{errors} error(s), {warnings} warning(s).")
        if not report.ok:
            raise CommandError("PortOne cannot be used with these settings.", returncode=1)
