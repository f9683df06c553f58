from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "tongban.trading"
    label = "trading"
    verbose_name = _("Public resource trading")

    def ready(self) -> None:
        from tongban.trading import federation  # noqa: F401  (registers the trading federation message types)
