"""The lead score, 0–100, that explains itself: one UPDATE for any number of leads (no Python loop).

Fit, up to 50 points, from the user's ideal-customer profile: industry 15, region 10, revenue band 10,
employee band 10 (a criterion left empty gives nothing), and 5 for an active business (NTS).
Engagement, up to 50: each human open 5, click 10, reply 25 points, halved every
LEAD_SCORE_HALF_LIFE_DAYS since it happened (machine opens and clicks count nothing); each bounce
costs 20 and each unsubscribe or spam complaint 30. Two terms keep the sum in range and say so:
``engagement_cap`` (engagement above 50) and ``floor`` (penalties below 0). The terms, each with its
weight and the events behind it, are stored in ``score_breakdown`` and add up to ``score``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

FIT_WEIGHTS = {"industry": 15, "region": 10, "revenue": 10, "employees": 10, "active_business": 5}
ENGAGEMENT_WEIGHTS = {"opens": 5, "clicks": 10, "replies": 25}
PENALTY_WEIGHTS = {"bounces": -20, "unsubscribes": -30}
ENGAGEMENT_MAX = 50

_RESCORE_SQL = """
WITH target AS (
    SELECT l.id, l.user_id, l.industry_id, l.si_nm, l.revenue, l.employee, l.business_status
      FROM leads_lead l
     WHERE {where}
), events AS (
    SELECT r.lead_id,
           count(*) FILTER (WHERE e.kind = 'open' AND NOT e.is_machine) AS opens_count,
           count(*) FILTER (WHERE e.kind = 'click' AND NOT e.is_machine) AS clicks_count,
           count(*) FILTER (WHERE e.kind = 'reply' AND NOT e.is_machine) AS replies_count,
           count(*) FILTER (WHERE e.kind = 'bounce') AS bounces_count,
           count(*) FILTER (WHERE e.kind IN ('unsubscribe', 'complaint')) AS unsubscribes_count,
           coalesce(sum(power(0.5, extract(epoch FROM %(now)s - e.occurred_at) / %(half_life)s))
                    FILTER (WHERE e.kind = 'open' AND NOT e.is_machine), 0) AS opens_decayed,
           coalesce(sum(power(0.5, extract(epoch FROM %(now)s - e.occurred_at) / %(half_life)s))
                    FILTER (WHERE e.kind = 'click' AND NOT e.is_machine), 0) AS clicks_decayed,
           coalesce(sum(power(0.5, extract(epoch FROM %(now)s - e.occurred_at) / %(half_life)s))
                    FILTER (WHERE e.kind = 'reply' AND NOT e.is_machine), 0) AS replies_decayed,
           max(e.occurred_at) FILTER (WHERE e.kind = 'open' AND NOT e.is_machine) AS last_open,
           max(e.occurred_at) FILTER (WHERE e.kind = 'click' AND NOT e.is_machine) AS last_click,
           max(e.occurred_at) FILTER (WHERE e.kind = 'reply' AND NOT e.is_machine) AS last_reply,
           max(e.occurred_at) FILTER (WHERE e.kind = 'bounce') AS last_bounce,
           max(e.occurred_at) FILTER (WHERE e.kind IN ('unsubscribe', 'complaint')) AS last_unsubscribe
      FROM target t
      JOIN campaigns_campaignleadresult r ON r.lead_id = t.id
      JOIN tracking_trackingevent e ON e.result_id = r.id
     WHERE e.kind IN ('open', 'click', 'reply', 'bounce', 'unsubscribe', 'complaint')
     GROUP BY r.lead_id
), terms AS (
    SELECT t.id,
           CASE WHEN EXISTS (SELECT 1 FROM unnest(p.industry_codes) code WHERE i.code LIKE code || '%%')
                THEN %(w_industry)s ELSE 0 END AS industry,
           CASE WHEN t.si_nm <> '' AND t.si_nm = ANY(p.regions) THEN %(w_region)s ELSE 0 END AS region,
           CASE WHEN (p.revenue_min IS NOT NULL OR p.revenue_max IS NOT NULL) AND t.revenue IS NOT NULL
                 AND t.revenue >= coalesce(p.revenue_min, t.revenue)
                 AND t.revenue <= coalesce(p.revenue_max, t.revenue)
                THEN %(w_revenue)s ELSE 0 END AS revenue,
           CASE WHEN (p.employee_min IS NOT NULL OR p.employee_max IS NOT NULL) AND t.employee IS NOT NULL
                 AND t.employee >= coalesce(p.employee_min, t.employee)
                 AND t.employee <= coalesce(p.employee_max, t.employee)
                THEN %(w_employees)s ELSE 0 END AS employees,
           CASE WHEN t.business_status = 'active' THEN %(w_active)s ELSE 0 END AS active_business,
           round((%(w_opens)s * coalesce(ev.opens_decayed, 0))::numeric)::int AS opens,
           round((%(w_clicks)s * coalesce(ev.clicks_decayed, 0))::numeric)::int AS clicks,
           round((%(w_replies)s * coalesce(ev.replies_decayed, 0))::numeric)::int AS replies,
           %(w_bounces)s * coalesce(ev.bounces_count, 0) AS bounces,
           %(w_unsubscribes)s * coalesce(ev.unsubscribes_count, 0) AS unsubscribes,
           ev.*
      FROM target t
      LEFT JOIN intelligence_idealcustomerprofile p ON p.user_id = t.user_id
      LEFT JOIN salesone_leads_industry i ON i.id = t.industry_id
      LEFT JOIN events ev ON ev.lead_id = t.id
), capped AS (
    SELECT terms.*,
           least(%(engagement_max)s - (opens + clicks + replies), 0) AS engagement_cap,
           industry + region + revenue + employees + active_business
             + least(opens + clicks + replies, %(engagement_max)s) + bounces + unsubscribes AS unfloored
      FROM terms
), scored AS (
    SELECT capped.*, greatest(-unfloored, 0) AS floor, greatest(unfloored, 0) AS total FROM capped
)
UPDATE leads_lead l
   SET score = s.total,
       scored_at = %(now)s,
       score_breakdown = jsonb_build_object(
           'score', s.total,
           'fit', s.industry + s.region + s.revenue + s.employees + s.active_business,
           'engagement', s.total - (s.industry + s.region + s.revenue + s.employees + s.active_business),
           'half_life_days', %(half_life_days)s,
           'terms', jsonb_build_array(
               jsonb_build_object('term', 'industry', 'group', 'fit', 'weight', %(w_industry)s, 'points', s.industry),
               jsonb_build_object('term', 'region', 'group', 'fit', 'weight', %(w_region)s, 'points', s.region),
               jsonb_build_object('term', 'revenue', 'group', 'fit', 'weight', %(w_revenue)s, 'points', s.revenue),
               jsonb_build_object('term', 'employees', 'group', 'fit', 'weight', %(w_employees)s,
                                  'points', s.employees),
               jsonb_build_object('term', 'active_business', 'group', 'fit', 'weight', %(w_active)s,
                                  'points', s.active_business),
               jsonb_build_object('term', 'opens', 'group', 'engagement', 'weight', %(w_opens)s, 'points', s.opens,
                                  'count', coalesce(s.opens_count, 0),
                                  'last_at', s.last_open),
               jsonb_build_object('term', 'clicks', 'group', 'engagement', 'weight', %(w_clicks)s, 'points', s.clicks,
                                  'count', coalesce(s.clicks_count, 0), 'last_at', s.last_click),
               jsonb_build_object('term', 'replies', 'group', 'engagement', 'weight', %(w_replies)s,
                                  'points', s.replies, 'count', coalesce(s.replies_count, 0), 'last_at', s.last_reply),
               jsonb_build_object('term', 'engagement_cap', 'group', 'engagement', 'weight', %(engagement_max)s,
                                  'points', s.engagement_cap),
               jsonb_build_object('term', 'bounces', 'group', 'penalty', 'weight', %(w_bounces)s,
                                  'points', s.bounces, 'count', coalesce(s.bounces_count, 0), 'last_at', s.last_bounce),
               jsonb_build_object('term', 'unsubscribes', 'group', 'penalty', 'weight', %(w_unsubscribes)s,
                                  'points', s.unsubscribes, 'count', coalesce(s.unsubscribes_count, 0),
                                  'last_at', s.last_unsubscribe),
               jsonb_build_object('term', 'floor', 'group', 'penalty', 'weight', 0, 'points', s.floor)))
  FROM scored s
 WHERE l.id = s.id
"""


def _params(now) -> dict:
    half_life_days = settings.LEAD_SCORE_HALF_LIFE_DAYS
    params = {
        "now": now,
        "half_life": half_life_days * 86400.0,
        "half_life_days": half_life_days,
        "engagement_max": ENGAGEMENT_MAX,
    }
    weights = {**FIT_WEIGHTS, **ENGAGEMENT_WEIGHTS, **PENALTY_WEIGHTS}
    params.update({f"w_{name}": weight for name, weight in weights.items()})
    params["w_active"] = FIT_WEIGHTS["active_business"]
    return params


def leads_rescore(*, lead_ids=None, user_id=None, now=None) -> int:
    """Rescore these leads (all leads when both are None, or all of one user's); returns the count."""
    now = now or timezone.now()
    params = _params(now)
    if lead_ids is not None:
        lead_ids = [str(lead_id) for lead_id in lead_ids]
        if not lead_ids:
            return 0
        where, params["ids"] = "l.id = ANY(%(ids)s::uuid[])", lead_ids
    elif user_id is not None:
        where, params["user"] = "l.user_id = %(user)s", user_id
    else:
        where = "true"
    with connection.cursor() as cursor:
        cursor.execute(_RESCORE_SQL.format(where=where), params)
        return cursor.rowcount


def recently_engaged_lead_ids(*, now=None) -> list[str]:
    """Leads with a tracking event in the last LEAD_SCORE_EVENT_LOOKBACK_MINUTES (through the index on
    occurred_at); a lead with many events is rescored once."""
    since = (now or timezone.now()) - timedelta(minutes=settings.LEAD_SCORE_EVENT_LOOKBACK_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT r.lead_id
              FROM tracking_trackingevent e
              JOIN campaigns_campaignleadresult r ON r.id = e.result_id
             WHERE e.occurred_at >= %s AND r.lead_id IS NOT NULL
            """,
            [since],
        )
        return [str(row[0]) for row in cursor.fetchall()]
