"""The lead score, 0–100, that explains itself: one UPDATE for any number of leads (no Python loop).

Fit, up to 50 points, from the user's ideal-customer profile: industry 15, region 10, revenue band 10,
employee band 10 (a criterion left empty gives nothing), and 5 for an active business (NTS).
Engagement, up to 50: each human open 5, click 10, reply 25 points, halved every
LEAD_SCORE_HALF_LIFE_DAYS since it happened (machine opens and clicks count nothing); each bounce
costs 20 and each unsubscribe or spam complaint 30. Two terms keep the sum in range and say so:
``engagement_cap`` (engagement above 50) and ``floor`` (penalties below 0). The terms' points, and
the count and latest time of the events behind each event term, are stored in a narrow table
(intelligence.LeadScore, in TERMS order) and add up to the score; ``Lead.score`` gets the number only
where it changed (the lead table's eight indexes made rewriting every lead the slow part).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

FIT_WEIGHTS = {"industry": 15, "region": 10, "revenue": 10, "employees": 10, "active_business": 5}
ENGAGEMENT_WEIGHTS = {"opens": 5, "clicks": 10, "replies": 25}
PENALTY_WEIGHTS = {"bounces": -20, "unsubscribes": -30}
ENGAGEMENT_MAX = 50

# (term, group, weight) in the order the stored points are; the event terms' counts and times follow
# EVENT_TERMS' order. The selector turns both into the API's list of terms.
TERMS = [
    *[(name, "fit", weight) for name, weight in FIT_WEIGHTS.items()],
    *[(name, "engagement", weight) for name, weight in ENGAGEMENT_WEIGHTS.items()],
    ("engagement_cap", "engagement", ENGAGEMENT_MAX),
    *[(name, "penalty", weight) for name, weight in PENALTY_WEIGHTS.items()],
    ("floor", "penalty", 0),
]
EVENT_TERMS = ["opens", "clicks", "replies", "bounces", "unsubscribes"]

_RESCORE_SQL = """
WITH target AS (
    SELECT l.id, l.user_id, l.industry_id, l.si_nm, l.revenue, l.employee, l.business_status
      FROM leads_lead l
     WHERE {where}
), lead_events AS (
    -- Each event's decay computed once: 0.5 ** (age / half-life).
    SELECT r.lead_id, e.kind, e.is_machine, e.occurred_at,
           power(0.5, extract(epoch FROM %(now)s - e.occurred_at) / %(half_life)s) AS decay
      FROM target t
      JOIN campaigns_campaignleadresult r ON r.lead_id = t.id
      JOIN tracking_trackingevent e ON e.result_id = r.id
     WHERE e.kind IN ('open', 'click', 'reply', 'bounce', 'unsubscribe', 'complaint')
), events AS (
    SELECT e.lead_id,
           count(*) FILTER (WHERE e.kind = 'open' AND NOT e.is_machine) AS opens_count,
           count(*) FILTER (WHERE e.kind = 'click' AND NOT e.is_machine) AS clicks_count,
           count(*) FILTER (WHERE e.kind = 'reply' AND NOT e.is_machine) AS replies_count,
           count(*) FILTER (WHERE e.kind = 'bounce') AS bounces_count,
           count(*) FILTER (WHERE e.kind IN ('unsubscribe', 'complaint')) AS unsubscribes_count,
           coalesce(sum(e.decay) FILTER (WHERE e.kind = 'open' AND NOT e.is_machine), 0) AS opens_decayed,
           coalesce(sum(e.decay) FILTER (WHERE e.kind = 'click' AND NOT e.is_machine), 0) AS clicks_decayed,
           coalesce(sum(e.decay) FILTER (WHERE e.kind = 'reply' AND NOT e.is_machine), 0) AS replies_decayed,
           max(e.occurred_at) FILTER (WHERE e.kind = 'open' AND NOT e.is_machine) AS last_open,
           max(e.occurred_at) FILTER (WHERE e.kind = 'click' AND NOT e.is_machine) AS last_click,
           max(e.occurred_at) FILTER (WHERE e.kind = 'reply' AND NOT e.is_machine) AS last_reply,
           max(e.occurred_at) FILTER (WHERE e.kind = 'bounce') AS last_bounce,
           max(e.occurred_at) FILTER (WHERE e.kind IN ('unsubscribe', 'complaint')) AS last_unsubscribe
      FROM lead_events e
     GROUP BY e.lead_id
), terms AS MATERIALIZED (  -- each term computed once, however often the steps below name it
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
), upserted AS (
    INSERT INTO intelligence_leadscore (lead_id, score, scored_at, breakdown)
    SELECT s.id, s.total, %(now)s, jsonb_build_object(
               'points', jsonb_build_array(s.industry, s.region, s.revenue, s.employees, s.active_business,
                                           s.opens, s.clicks, s.replies, s.engagement_cap,
                                           s.bounces, s.unsubscribes, s.floor),
               'counts', jsonb_build_array(coalesce(s.opens_count, 0), coalesce(s.clicks_count, 0),
                                           coalesce(s.replies_count, 0), coalesce(s.bounces_count, 0),
                                           coalesce(s.unsubscribes_count, 0)),
               'last_at', jsonb_build_array(s.last_open, s.last_click, s.last_reply, s.last_bounce,
                                            s.last_unsubscribe))
      FROM scored s
    ON CONFLICT (lead_id) DO UPDATE
       SET score = excluded.score, scored_at = excluded.scored_at, breakdown = excluded.breakdown
     -- terms that did not move are not rewritten: scored_at is when they last changed
     WHERE (intelligence_leadscore.score, intelligence_leadscore.breakdown)
           IS DISTINCT FROM (excluded.score, excluded.breakdown)
    RETURNING lead_id, score
), changed AS (
    -- leads_lead has eight indexes: only a score that moved is written there.
    UPDATE leads_lead l SET score = u.score
      FROM upserted u
     WHERE l.id = u.lead_id AND l.score IS DISTINCT FROM u.score
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM changed)
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
    """Rescore these leads (all leads when both are None, or all of one user's); returns how many
    leads' terms changed (and were written)."""
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
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")  # its hashes and sorts stay in memory
        if lead_ids is None:
            # Whole users: hash joins only. Leads just imported (statistics not yet analysed) are
            # estimated at one row, and the planner then re-ran the events aggregate once per lead:
            # 2,000 fresh leads took 105 s instead of 0.3 s (bench_lead_scoring, 2026-12-06).
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(_RESCORE_SQL.format(where=where), params)
        changed, _leads_changed = cursor.fetchone()
        return changed


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
