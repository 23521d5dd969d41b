"""The terminal channel (`parcelbot chat`, like `rasa shell`): lines in, "bot>" lines out.

It stands in for a phone (ChannelSpec "cli": phone-like, no buttons), so a developer can walk any
journey from a shell; choices come as numbered text, photos as their links.
"""

from __future__ import annotations

from bot.core.channels import spec_for
from bot.core.messages import Reply

NAME = "cli"


def render(reply: Reply, spec_name: str = NAME) -> list[str]:
    lines = [f"bot> {reply.as_text(spec_for(spec_name))}"]
    lines += [f"bot> [photo] {url}" for url in reply.media_urls]
    return lines
