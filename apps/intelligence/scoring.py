"""The lead score, 0–100, that explains itself: one UPDATE for any number of leads (no Python loop).

Fit, up to 50 points, from the user's ideal-customer profile: industry 15, region 10, revenue band 10,
employee band 10 (a criterion left empty gives nothing), and 5 for an active business (NTS).
Engagement, up to 50: each human open 5, click 10, reply 25 points, halved every
LEAD_SCORE_HALF_LIFE_DAYS since it happened (machine opens and clicks count nothing); each bounce
costs 20 and each unsubscribe or spam complaint 30. Two terms keep the sum in range and say so:
``engagement_cap`` (engagement above 50) and ``floor`` (penalties below 0). The terms' points, and
the count and latest time of the events behind each event term, are stored as arrays in a narrow
table (intelligence.LeadScore, in TERMS and EVENT_TERMS order) and add up to the score; only rows
whose terms moved are written there, and ``Lead.score`` only where the number changed (the lead
table's eight indexes made rewriting every lead the slow part). docs/lead-intelligence.md has the
measurements behind each choice.
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
WITH target AS MATERIALIZED (
    SELECT l.id, l.user_id, l.industry_id, l.si_nm, l.revenue, l.employee, l.business_status
      FROM leads_lead l
     WHERE {where}
), per_kind AS (
    -- One pass over the leads' events, each classified once (a text comparison per event, not one
    -- per aggregate): 1 open, 2 click, 3 reply (human only: machine opens and clicks count nothing),
    -- 4 bounce, 5 unsubscribe or complaint. The decay, 0.5 ** (age / half-life), only where it counts,
    -- in double precision: extract() gives numeric, and numeric power() was most of the events' time.
    SELECT c.lead_id, c.k, count(*) AS n, max(c.occurred_at) AS last_at,
           sum(power(0.5::float8, date_part('epoch', %(now)s - c.occurred_at) / %(half_life)s))
             FILTER (WHERE c.k <= 3) AS decayed
      FROM (
        SELECT t.id AS lead_id, e.occurred_at,
               CASE WHEN e.kind = 'bounce' THEN 4
                    WHEN e.kind IN ('unsubscribe', 'complaint') THEN 5
                    WHEN e.is_machine THEN NULL
                    WHEN e.kind = 'open' THEN 1
                    WHEN e.kind = 'click' THEN 2
                    WHEN e.kind = 'reply' THEN 3 END AS k
          FROM target t
          {events_of_target}
      ) c  -- machine events form a group of their own (k null) that nothing below reads; filtering
           -- them here made the planner expect too few events and scan them all for 1,000 leads
     GROUP BY c.lead_id, c.k
), events AS (
    -- At most five rows a lead: its counts and latest times as arrays in EVENT_TERMS order.
    SELECT lead_id,
           ARRAY[coalesce(sum(n) FILTER (WHERE k = 1), 0), coalesce(sum(n) FILTER (WHERE k = 2), 0),
                 coalesce(sum(n) FILTER (WHERE k = 3), 0), coalesce(sum(n) FILTER (WHERE k = 4), 0),
                 coalesce(sum(n) FILTER (WHERE k = 5), 0)]::int[] AS counts,
           ARRAY[max(last_at) FILTER (WHERE k = 1), max(last_at) FILTER (WHERE k = 2),
                 max(last_at) FILTER (WHERE k = 3), max(last_at) FILTER (WHERE k = 4),
                 max(last_at) FILTER (WHERE k = 5)]::timestamptz[] AS last_at,
           coalesce(sum(decayed) FILTER (WHERE k = 1), 0) AS opens_decayed,
           coalesce(sum(decayed) FILTER (WHERE k = 2), 0) AS clicks_decayed,
           coalesce(sum(decayed) FILTER (WHERE k = 3), 0) AS replies_decayed
      FROM per_kind
     GROUP BY lead_id
), fit_industries AS (
    -- The industries each profile matches (a KSIC code or its prefix), once per industry, not per lead.
    SELECT p.user_id, i.id AS industry_id
      FROM intelligence_idealcustomerprofile p
      JOIN salesone_leads_industry i ON EXISTS (SELECT 1 FROM unnest(p.industry_codes) code
                                                 WHERE i.code LIKE code || '%%')
     WHERE p.user_id IN (SELECT DISTINCT user_id FROM target)
), terms AS MATERIALIZED (  -- each term computed once, however often the steps below name it
    SELECT t.id,
           CASE WHEN fi.industry_id IS NOT NULL THEN %(w_industry)s ELSE 0 END AS industry,
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
           -- rounded half up in double precision (numeric's round, same result, cost more)
           floor(%(w_opens)s * coalesce(ev.opens_decayed, 0) + 0.5)::int AS opens,
           floor(%(w_clicks)s * coalesce(ev.clicks_decayed, 0) + 0.5)::int AS clicks,
           floor(%(w_replies)s * coalesce(ev.replies_decayed, 0) + 0.5)::int AS replies,
           %(w_bounces)s * coalesce(ev.counts[4], 0) AS bounces,
           %(w_unsubscribes)s * coalesce(ev.counts[5], 0) AS unsubscribes,
           coalesce(ev.counts, '{{0,0,0,0,0}}'::int[]) AS counts,
           coalesce(ev.last_at, '{{NULL,NULL,NULL,NULL,NULL}}'::timestamptz[]) AS last_at
      FROM target t
      LEFT JOIN intelligence_idealcustomerprofile p ON p.user_id = t.user_id
      LEFT JOIN fit_industries fi ON fi.user_id = t.user_id AND fi.industry_id = t.industry_id
      LEFT JOIN events ev ON ev.lead_id = t.id
), capped AS (
    SELECT terms.*,
           least(%(engagement_max)s - (opens + clicks + replies), 0) AS engagement_cap,
           industry + region + revenue + employees + active_business
             + least(opens + clicks + replies, %(engagement_max)s) + bounces + unsubscribes AS unfloored
      FROM terms
), scored AS (
    SELECT c.id, greatest(c.unfloored, 0) AS total, c.counts, c.last_at,
           ARRAY[c.industry, c.region, c.revenue, c.employees, c.active_business, c.opens, c.clicks, c.replies,
                 c.engagement_cap, c.bounces, c.unsubscribes, greatest(-c.unfloored, 0)]::smallint[] AS points
      FROM capped c
), moved AS (
    -- Only terms that moved are written (scored_at is when they last changed): compared here, in a
    -- hash join, rather than by ON CONFLICT, which locked and rechecked every one of 100k rows.
    SELECT s.*
      FROM scored s
      LEFT JOIN intelligence_leadscore old ON old.lead_id = s.id
     WHERE old.lead_id IS NULL
        OR (old.score, old.points, old.event_counts, old.event_last_at)
           IS DISTINCT FROM (s.total, s.points, s.counts, s.last_at)
), upserted AS (
    INSERT INTO intelligence_leadscore (lead_id, score, scored_at, points, event_counts, event_last_at)
    SELECT m.id, m.total, %(now)s, m.points, m.counts, m.last_at
      FROM moved m
    ON CONFLICT (lead_id) DO UPDATE
       SET score = excluded.score, scored_at = excluded.scored_at, points = excluded.points,
           event_counts = excluded.event_counts, event_last_at = excluded.event_last_at
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


_EVENT_KINDS = "('open', 'click', 'reply', 'bounce', 'unsubscribe', 'complaint')"
# Whole users: one hash join of their leads, results and events.
_EVENTS_OF_ALL_TARGETS = f"""
          JOIN campaigns_campaignleadresult r ON r.lead_id = t.id
          JOIN tracking_trackingevent e ON e.result_id = r.id
         WHERE e.kind IN {_EVENT_KINDS}"""
# A few leads (the per-minute job): each lead's results, then each result's events, through their
# indexes, one table at a time (OFFSET 0 keeps the planner from flattening either level into a join).
# Rows just written may not be in the statistics yet: as one join, the planner, expecting few events,
# scanned every event of the table, once (1.5 s) or once per lead (1,000 leads: 59 s and 112 s).
_EVENTS_OF_A_FEW_LEADS = f"""
          CROSS JOIN LATERAL (
              SELECT e.occurred_at, e.kind, e.is_machine
                FROM campaigns_campaignleadresult r
               CROSS JOIN LATERAL (
                   SELECT e.occurred_at, e.kind, e.is_machine
                     FROM tracking_trackingevent e
                    WHERE e.result_id = r.id AND e.kind IN {_EVENT_KINDS}
                   OFFSET 0
               ) e
               WHERE r.lead_id = t.id
              OFFSET 0
          ) e"""


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
    if lead_ids is None:
        # Whole users: hash joins only. Leads just imported (statistics not yet analysed) are
        # estimated at one row, and the planner then re-ran the events aggregate once per lead:
        # 2,000 fresh leads took 105 s instead of 0.3 s (bench_lead_scoring, 2026-12-06).
        plan, events = {"enable_nestloop": "off", "enable_seqscan": "on"}, _EVENTS_OF_ALL_TARGETS
    else:
        # A few leads: each one's rows by index. Rows just written may not be in the statistics, and a
        # table estimated at a few pages was scanned whole once per lead (1,000 leads: 59 s).
        plan, events = {"enable_nestloop": "on", "enable_seqscan": "off"}, _EVENTS_OF_A_FEW_LEADS
    plan["work_mem"] = "64MB"  # its hashes and sorts stay in memory
    with transaction.atomic(), connection.cursor() as cursor:
        before = _settings_set_local(cursor, plan)
        cursor.execute(_RESCORE_SQL.format(where=where, events_of_target=events), params)
        changed, _leads_changed = cursor.fetchone()
        # SET LOCAL lasts to the end of the outermost transaction: a caller's own statements (or the
        # next rescoring in the same transaction) get back the values they had, not these. Not
        # `SET LOCAL … = DEFAULT`: that is the server's value, which drops the caller's own SET.
        _settings_set_local(cursor, before)
        return changed


def _settings_set_local(cursor, values: dict[str, str]) -> dict[str, str]:
    """SET LOCAL each setting, in one round trip; returns the values they had before."""
    names = list(values)
    cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
    before = dict(zip(names, cursor.fetchone(), strict=True))
    cursor.execute(
        "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
        [part for name in names for part in (name, values[name])],
    )
    return before


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
