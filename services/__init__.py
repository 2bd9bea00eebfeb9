"""Clients of the outside world (e-mail providers, Slack, LLM, DNS, spamd). Nothing else calls them
directly, and they import no app (not even lazily): what writes our own tables lives in the app that
owns them (the development outbox provider is apps/mail/outbox.py). Their fakes are in testing/."""
