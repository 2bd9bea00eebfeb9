"""Clients of the outside world (e-mail providers, Slack, LLM). Nothing else calls them directly."""
