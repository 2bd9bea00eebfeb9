"""Feature settings, one module per area, merged into base.py in the order base.py lists them.

A part defines upper-case settings. Three dicts are merged into a shared setting instead of replacing
it, so areas never edit each other's lines: BEAT_SCHEDULE into CELERY_BEAT_SCHEDULE, TASK_ROUTES into
CELERY_TASK_ROUTES and ENUM_NAME_OVERRIDES into SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
"""

import importlib
import pkgutil

from django.core.exceptions import ImproperlyConfigured

MERGED = {
    "BEAT_SCHEDULE": lambda namespace: namespace["CELERY_BEAT_SCHEDULE"],
    "TASK_ROUTES": lambda namespace: namespace["CELERY_TASK_ROUTES"],
    "ENUM_NAME_OVERRIDES": lambda namespace: namespace["SPECTACULAR_SETTINGS"].setdefault("ENUM_NAME_OVERRIDES", {}),
}


def load_parts(namespace: dict, parts: list[str]) -> None:
    """Merge the named parts into ``namespace`` (base.py's globals), in the order given.

    A module in this package that the list does not name is an error, not silently skipped: a part
    added to the directory but not to base.py's list would otherwise never take effect.
    """
    present = {info.name for info in pkgutil.iter_modules(__path__)}
    unlisted = sorted(present - set(parts))
    missing = sorted(set(parts) - present)
    if unlisted or missing:
        raise ImproperlyConfigured(
            "salesone/settings/base.py's list of settings parts does not match salesone/settings/parts/: "
            + "; ".join(
                filter(
                    None,
                    [
                        unlisted and f"not listed: {', '.join(unlisted)}",
                        missing and f"no such part: {', '.join(missing)}",
                    ],
                )
            )
        )
    for part in parts:
        module = importlib.import_module(f"{__name__}.{part}")
        for name in dir(module):
            if not name.isupper():
                continue
            value = getattr(module, name)
            if name in MERGED:
                MERGED[name](namespace).update(value)
            else:
                namespace[name] = value
