"""Pages through Apprise: email, Slack, Teams, SMS and voice providers, JSON webhooks, any URL.

How a contact becomes an Apprise URL:

- ``webhook`` contacts do not come here: ``WebhookChannel`` POSTs firebreak's own JSON to them.
- ``apprise``: the contact's address is already an Apprise URL and is used as given.
- ``email``, ``slack``, ``sms``, ``phone`` (and any other type): the workspace's
  ``[channels.<type>] url`` is the base (``${ENV}`` is expanded, so secrets stay out of git).
  ``{address}`` in it is replaced by the contact's address; otherwise email adds ``to=address``
  and the other types append ``/address``.

Apprise reports only success or failure, so a failure is treated as worth a retry. Error texts
are redacted by the send log before they are stored.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Mapping
from urllib.parse import quote

from firebreak.notify.channels import Message, SendResult
from firebreak.settings import ChannelSection

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return _ENV.sub(lambda m: env.get(m.group(1), ""), text)


def contact_url(message: Message, channels: Mapping[str, ChannelSection]) -> str:
    """The Apprise URL for ``message``'s contact; ValueError says what is missing."""
    kind, address = message.contact_type, message.address
    if kind == "apprise":
        return address
    section = channels.get(kind)
    if section is None:
        raise ValueError(f"no [channels.{kind}] url in firebreak.toml for {kind} contacts")
    base = expand_env(section.url)
    if "{address}" in base:
        return base.replace("{address}", quote(address, safe="@+"))
    if kind == "email":
        joiner = "&" if "?" in base else "?"
        return f"{base}{joiner}to={quote(address, safe='@+')}"
    return f"{base.rstrip('/')}/{quote(address, safe='@+#')}"


class AppriseChannel:
    """Sends each page through Apprise to the URL its contact maps to."""

    def __init__(self, channels: Mapping[str, ChannelSection] | None = None) -> None:
        self.channels = dict(channels or {})
        # Apprise's own log lines may quote a notification URL (and the token inside it):
        # firebreak reports failures itself, redacted, so keep Apprise quiet.
        logging.getLogger("apprise").setLevel(logging.CRITICAL)

    def send(self, message: Message) -> SendResult:
        with warnings.catch_warnings():  # apprise's plugins import the deprecated imghdr module
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._send(message)

    def _send(self, message: Message) -> SendResult:
        import apprise

        try:
            url = contact_url(message, self.channels)
        except ValueError as exc:
            return SendResult(ok=False, retry=False, error=str(exc))
        sender = apprise.Apprise()
        if not sender.add(url):
            return SendResult(False, False, f"not a usable Apprise URL for {message.contact_type}")
        title = ("DRILL " if message.drill else "") + f"[{message.severity}] {message.title}"
        if sender.notify(title=title[:250], body=message.body()):
            return SendResult(ok=True)
        return SendResult(ok=False, retry=True, error=f"{message.contact_type} delivery failed")
