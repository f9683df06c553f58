from importlib import import_module

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "tongban.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from tongban.core import jobs
        from tongban.ops import engine, partitioning, periodic  # noqa: F401  (the jobs of no single app)

        # every app's tasks.py declares its jobs (tongban.core.jobs); the engine runs them
        autodiscover_modules("tasks")
        # a region's own jobs: modules named in TONGBAN_JOB_MODULES declare more
        for module in getattr(settings, "TONGBAN_JOB_MODULES", []):
            import_module(module)
        jobs.install_engine(engine.DjangoQEngine())
