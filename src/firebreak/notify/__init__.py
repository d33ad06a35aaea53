"""Notifications: the channel protocol, the channels, redaction, and the send log.

- ``channels.Channel``: ``send(message) -> SendResult(ok, retry, error)``.
- ``channels.ConsoleChannel``, ``channels.RecordingChannel`` (tests, drills),
  ``apprise_channel.AppriseChannel`` (email, Slack, Teams, SMS, webhooks and any Apprise URL).
- ``live.live_channels(settings)``: the mapping ``run_due`` takes for the live service.
- ``sendlog.deliver_pending(...)``: sends what the send log holds, with retries and backoff.
- ``redact``: what may be shown of an address or an error.
"""
