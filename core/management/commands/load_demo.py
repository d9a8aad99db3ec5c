"""manage.py load_demo: a small demo bank. Idempotent; prints the demo logins."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import autodiscover_modules

from core import demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo bank and its demo accounts."

    def handle(self, *args, **options):
        autodiscover_modules("demo")
        password, source = demo.demo_password()
        context = demo.DemoContext(
            password=password, password_source=source, log=self.stdout.write
        )
        with translation.override("zh-hans"):
            for _order, name, func in demo.steps():
                with transaction.atomic():
                    func(context)
                self.stdout.write(f"  ✓ {name}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password from {source}):")
        for username, role in context.logins:
            self.stdout.write(f"  {username:<16} {role:<10} {password}")
