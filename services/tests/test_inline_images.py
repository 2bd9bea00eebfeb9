"""An attachment with a Content-ID is an inline part the HTML shows through cid: (a report's chart):
SendGrid gets disposition "inline" with its content_id, Mailgun an "inline" part named after it."""

from services.email import Attachment, EmailMessage

PNG = b"\x89PNG\r\n\x1a\nchart"
MESSAGE = EmailMessage(
    to="kim@repurehc.com",
    subject="[SalesOne] 캠페인 보고서",
    html='<img src="cid:campaign-report-chart">',
    attachments=[
        Attachment(filename="chart.png", content=PNG, mimetype="image/png", content_id="campaign-report-chart"),
        Attachment(filename="report.csv", content=b"a,b\n", mimetype="text/csv"),
    ],
)


def test_sendgrid_receives_the_chart_inline(sendgrid, fake_sendgrid):
    sendgrid.send(MESSAGE)

    chart, report = fake_sendgrid.requests[-1]["body"]["attachments"]
    assert (chart["disposition"], chart["content_id"]) == ("inline", "campaign-report-chart")
    assert chart["type"] == "image/png"
    assert report["disposition"] == "attachment" and "content_id" not in report


def test_mailgun_posts_an_inline_part_named_after_the_content_id(mailgun):
    _fields, files = mailgun.build_request([MESSAGE])

    assert files == [
        ("inline", ("campaign-report-chart", PNG, "image/png")),
        ("attachment", ("report.csv", b"a,b\n", "text/csv")),
    ]
