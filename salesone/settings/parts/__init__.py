"""Feature settings, one module per area, merged into base.py.

A part defines upper-case settings; a dict named BEAT_SCHEDULE is merged into CELERY_BEAT_SCHEDULE
and a dict named TASK_ROUTES into CELERY_TASK_ROUTES, so areas never edit each other's lines.
"""

import importlib
import pkgutil


def load_parts(namespace: dict) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in dir(module):
            if not name.isupper():
                continue
            value = getattr(module, name)
            if name == "BEAT_SCHEDULE":
                namespace["CELERY_BEAT_SCHEDULE"].update(value)
            elif name == "TASK_ROUTES":
                namespace["CELERY_TASK_ROUTES"].update(value)
            else:
                namespace[name] = value
