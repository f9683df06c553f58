import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

application = get_wsgi_application()

# Plain anonymous licence verifications skip the middleware stack (ADR 0018); everything else is unchanged.
from django.conf import settings  # noqa: E402

if settings.LICENCE_VERIFY_FAST_LANE:
    from tongban.licences.fastlane import VerifyFastLane

    application = VerifyFastLane(application)  # type: ignore[assignment]

# Load the search's word-segmentation dictionary once, before gunicorn forks its workers
# (with --preload), instead of on each worker's first search request.
from tongban.catalog.search import warm_up  # noqa: E402

warm_up()


def _warm_up_django() -> None:
    """Import the URL configuration and load the translation catalogs before the first request.

    Importing the URL configuration builds the whole HTTP API (about 600 pydantic schemas) and
    imports the licence PDF libraries: several seconds on a busy machine, which every worker's
    first request used to wait for (the long tail of ``bench/case_throughput.py``). With
    ``--preload`` this happens once in the gunicorn master; without it, in each worker before it
    accepts connections.
    """
    from django.conf import settings
    from django.db import connections
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 (the import is the point)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Tongban")
    connections.close_all()  # nothing opened here may be shared with forked workers


_warm_up_django()

# What start-up built (the URL configuration, the API's schemas, the translations, the dictionary)
# lives as long as the process: keep it out of the garbage collector's full passes, which otherwise
# walk it all every time (pauses of tens of milliseconds in the latency tail), and, with --preload,
# out of the pages that those passes would copy in every forked worker.
import gc  # noqa: E402

gc.freeze()
