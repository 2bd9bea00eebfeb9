"""Production settings plus the bench app: what ``manage.py bench_tracking`` runs gunicorn with, so
the pixel and click are measured as production serves them next to the bench's ceiling view.

Never deploy with it; salesone.settings.production itself has no bench app and no bench URL.
"""

from salesone.settings.production import *  # noqa: F403
from salesone.settings.production import INSTALLED_APPS

BENCH_ENABLED = True
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
