"""Every serializer of the API writes datetimes through common.serializers.DateTimeField, so a new
serializer cannot bring back Seoul wall-clock time labelled "Z" (the walk in test_datetimes_are_utc.py
checks the values; this catches a serializer the demo data does not reach)."""

import importlib
import pkgutil

from django.apps import apps
from django.db import models
from rest_framework import serializers

from common.serializers import DateTimeField


def _serializer_classes():
    for config in apps.get_app_configs():
        if not (config.name.startswith("apps.") or config.name == "common"):
            continue
        for module_info in pkgutil.walk_packages(config.module.__path__, prefix=f"{config.name}."):
            if module_info.name.rsplit(".", 1)[-1] not in ("serializers", "views"):
                continue
            module = importlib.import_module(module_info.name)
            for value in vars(module).values():
                is_serializer = isinstance(value, type) and issubclass(value, serializers.BaseSerializer)
                if is_serializer and value.__module__ == module.__name__:
                    yield value


def test_no_serializer_writes_datetimes_with_drfs_own_field():
    offenders = []
    classes = list(_serializer_classes())
    assert len(classes) > 50
    for cls in classes:
        name = f"{cls.__module__}.{cls.__qualname__}"
        if issubclass(cls, serializers.ModelSerializer) and cls.serializer_field_mapping[models.DateTimeField] is not (
            DateTimeField
        ):
            offenders.append(f"{name}: derive it from common.serializers.ModelSerializer")
        for field_name, field in getattr(cls, "_declared_fields", {}).items():
            if isinstance(field, serializers.DateTimeField) and not isinstance(field, DateTimeField):
                offenders.append(f"{name}.{field_name}: use common.serializers.DateTimeField")
    assert not offenders, "\n".join(offenders)
