"""Fixture zones the loopback DNS server answers from."""

GOOD_SENDGRID = """
good.example.kr.                 300 IN TXT "v=spf1 include:sendgrid.net ~all"
good.example.kr.                 300 IN TXT "google-site-verification=abc"
s1._domainkey.good.example.kr.   300 IN CNAME s1.domainkey.u1234.wl.sendgrid.net.
s2._domainkey.good.example.kr.   300 IN CNAME s2.domainkey.u1234.wl.sendgrid.net.
_dmarc.good.example.kr.          300 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@good.example.kr"
"""

MAILGUN_SUBDOMAIN = """
mg.good.example.kr.              300 IN TXT "v=spf1 include:mailgun.org ~all"
smtp._domainkey.mg.good.example.kr. 300 IN TXT "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"
"""

BARE = """
bare.example.kr.                 300 IN TXT "v=spf1 ~all"
"""
