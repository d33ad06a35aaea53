"""The channels of the live service (``serve`` and ``worker``), wired in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from firebreak.notify.apprise_channel import AppriseChannel
from firebreak.notify.channels import Channel, ConsoleChannel
from firebreak.notify.webhook import WebhookChannel


def live_channels(settings_channels: Mapping[str, Any]) -> dict[str, Channel]:
    """The channels for the live service: webhooks direct, ``console`` where the workspace says
    so (``[channels.<type>] url = "console"``), Apprise for everything else."""
    out: dict[str, Channel] = {"webhook": WebhookChannel(), "*": AppriseChannel(settings_channels)}
    for kind, section in settings_channels.items():
        if getattr(section, "url", "") == "console":
            out[kind] = ConsoleChannel()
    return out
