"""Settings of the leads and opportunities area (apps.leads, apps.opportunities)."""


def _name_enums() -> None:
    """Name the opportunity status enum in the API schema: several models have a ``status`` and
    drf-spectacular would otherwise invent a hashed name and warn.

    parts/__init__.py merges only BEAT_SCHEDULE and TASK_ROUTES, so this adds to the shared
    SPECTACULAR_SETTINGS dict in place, as parts/crm_clients.py does.
    """
    import sys

    base = sys.modules.get("salesone.settings.base")
    if base is None or not hasattr(base, "SPECTACULAR_SETTINGS"):
        return
    base.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
        {"OpportunityStatusEnum": "apps.opportunities.models.Opportunity.Status"}
    )


_name_enums()
