from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Incentives")

    def ready(self):
        from core.imports.registry import register
        from incentives.exports import register_ledger_kind
        from incentives.resources import register_kinds

        register_kinds(register)
        register_ledger_kind(register)

        from incentives import receivers  # noqa: F401  (connects the signal)
