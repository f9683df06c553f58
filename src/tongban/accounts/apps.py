from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tongban.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        # every login, including Django's own login() and the test client's force_login,
        # stamps the session's login time (the absolute session age counts from it)
        from tongban.accounts import sessions  # noqa: F401
