"""Settings of the leads and opportunities area (apps.leads, apps.opportunities)."""

# The opportunity status enum's name in the API schema: several models have a "status" and
# drf-spectacular would otherwise invent a hashed name and warn. Merged into SPECTACULAR_SETTINGS.
ENUM_NAME_OVERRIDES = {"OpportunityStatusEnum": "apps.opportunities.models.Opportunity.Status"}
