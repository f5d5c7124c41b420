from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo people, registrant profiles and domains (safe to run again)."

    def handle(self, *args, **options) -> None:
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):"))
        for login in logins:
            role = f"{login.role}" + (f" / {login.team}" if login.team else "")
            self.stdout.write(f"  {login.username:<20} {role}")
        self.stdout.write("  admin                Django admin (/admin/)")
