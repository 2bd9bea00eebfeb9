"""Slack: the Web API through slack-sdk, with the token and base URL from settings."""

from .client import SlackError, post_message

__all__ = ["SlackError", "post_message"]
