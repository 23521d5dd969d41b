"""Channel-free use cases: what only a dialogue step could do before, for every surface that needs it.

The chat journeys call these, and so will the agent console, the tracking page and the API; none of them
re-implements a rule, a verification or an audit entry. Each takes the caller's unit of work, so its rows
commit with the caller's and its events go out after that commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.changes import ChangeService
from bot.services.console import ConsoleService
from bot.services.handoff import HandoffService
from bot.services.payments import PaymentService
from bot.services.verification import CodeService


@dataclass(frozen=True)
class Services:
    changes: ChangeService
    codes: CodeService
    handoff: HandoffService
    console: ConsoleService
    payments: PaymentService


__all__ = ["ChangeService", "CodeService", "ConsoleService", "HandoffService", "PaymentService", "Services"]
