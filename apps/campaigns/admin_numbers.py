"""The campaign admin's numbers: the totals of selectors.campaigns_with_totals as changelist columns
and a change-page table, each count a link to the result rows it counts, and a per-day chart drawn
as a small inline SVG (no script, no CDN: the admin works offline)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Campaign

LABELS = {
    "recipients": _("Recipients"),
    "pending": _("Pending"),
    "sending": _("Sending"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "opened": _("Opened"),
    "machine_opened": _("Opened by machines only"),
    "clicked": _("Clicked"),
    "replied": _("Replied"),
    "bounced": _("Bounced"),
    "unsubscribed": _("Unsubscribed"),
    "complained": _("Marked as spam"),
    "failed": _("Failed"),
    "unknown": _("Outcome unknown"),
}
RATE_LABELS = {
    "delivery_rate": _("Delivery rate"),
    "open_rate": _("Open rate"),
    "click_rate": _("Click rate"),
    "reply_rate": _("Reply rate"),
    "bounce_rate": _("Bounce rate"),
    "unsubscribe_rate": _("Unsubscribe rate"),
}
# Drawn in the chart, with their colours (the admin's palette: readable on light and dark themes).
CHART_SERIES = {
    "sent": "#79aec8",
    "opened": "#417690",
    "clicked": "#70bf2b",
    "replied": "#f5a623",
    "bounced": "#ba2121",
}


class DeliveryFilter(admin.SimpleListFilter):
    """Results by the totals' own conditions (selectors.TOTAL_CONDITIONS): "opened" lists every row a
    person opened, whatever its status went on to be, exactly as many as the campaign's count."""

    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [(name, LABELS[name]) for name in selectors.TOTAL_NAMES if name != "recipients"]

    def queryset(self, request, queryset):
        if self.value() in selectors.TOTAL_NAMES:
            return selectors.results_matching_total(queryset, self.value())
        return queryset


def results_url(campaign: Campaign, total: str = "recipients") -> str:
    query = {"campaign__id__exact": campaign.pk}
    if total != "recipients":
        query[DeliveryFilter.parameter_name] = total
    return reverse("admin:campaigns_campaignleadresult_changelist") + "?" + urlencode(query)


def format_rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def count_link(campaign: Campaign, total: str, *, rate: str | None = None) -> SafeString:
    """The count as a link to its rows, with a rate after it when given (e.g. "4 (40.0%)")."""
    totals, rates = selectors.campaign_totals_of(campaign)
    text = str(totals[total]) if rate is None else f"{totals[total]} ({format_rate(rates[rate])})"
    return format_html('<a href="{}">{}</a>', results_url(campaign, total), text)


def totals_table(campaign: Campaign) -> SafeString:
    """Every total with its link, then the rates, as the change page shows them."""
    totals, rates = selectors.campaign_totals_of(campaign)
    counts = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td><a href="{}">{}</a></td></tr>',
        ((LABELS[name], results_url(campaign, name), totals[name]) for name in selectors.TOTAL_NAMES),
    )
    rate_rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td></tr>',
        ((label, format_rate(rates[name])) for name, label in RATE_LABELS.items()),
    )
    note = _("Rates are over sent e-mails; '-' where nothing was sent or the campaign does not track it.")
    return format_html(
        '<table class="campaign-totals"><tbody>{}{}</tbody></table><p class="help">{}</p>', counts, rate_rows, note
    )


def daily_chart_svg(days: list[dict], *, width: int = 640, height: int = 200) -> SafeString:
    """Grouped bars, one group per day (selectors.campaign_daily_totals), a legend, the day labels and
    the scale; each bar's <title> gives its number on hover."""
    if not days:
        return format_html("<p>{}</p>", _("Nothing sent yet."))
    left, top, bottom, right = 36, 24, 22, 8
    plot_width, plot_height = width - left - right, height - top - bottom
    peak = max(max(day[name] for name in CHART_SERIES) for day in days) or 1
    group = plot_width / len(days)
    bar = max(group * 0.8 / len(CHART_SERIES), 1.0)
    label_every = max(1, round(len(days) / 8))  # at most ~8 day labels
    parts = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" y2="{top + plot_height}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="10">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_height}" text-anchor="end" font-size="10">0</text>',
    ]
    for index, (name, colour) in enumerate(CHART_SERIES.items()):
        x = left + index * 110
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="13" font-size="11">{escape(LABELS[name])}</text>')
    for position, day in enumerate(days):
        x0 = left + position * group + group * 0.1
        for index, (name, colour) in enumerate(CHART_SERIES.items()):
            value = day[name]
            bar_height = plot_height * value / peak
            y = top + plot_height - bar_height
            tip = f"{day['date']:%Y-%m-%d} {LABELS[name]}: {value}"
            parts.append(
                f'<rect x="{x0 + index * bar:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{bar_height:.1f}" '
                f'fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
        if position % label_every == 0:
            parts.append(
                f'<text x="{x0 + group * 0.4:.1f}" y="{height - 6}" text-anchor="middle" font-size="10">'
                f"{day['date']:%m-%d}</text>"
            )
    title = escape(_("Recipients per day (Asia/Seoul): sent, opened, clicked, replied, bounced"))
    # Every value above is a number, a colour of ours or escaped text. Text takes the page's colour
    # (currentColor): readable in the admin's light and dark themes.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="campaign-daily-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" fill="currentColor" role="img" aria-label="{title}"><title>{title}</title>'
        + "".join(parts)
        + "</svg>"
    )
