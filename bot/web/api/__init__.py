"""The inbound integration API (/api/v1): merchants and carriers push shipments, tracking events and proof
of delivery, and read back what the bot knows and has sent, and the day's driver manifest. Described in
bot/web/api/openapi.yaml and served at /api/v1/openapi.json; a walk-through is in docs/integration.md.

Register both blueprints: `bp` (the API) and `pod_bp` (signed photo links, /pod/<token>).
"""

from __future__ import annotations

from bot.web.api import changes as _changes  # noqa: F401 - adds POST /changes/<key>/outcome (a carrier's later answer)
from bot.web.api import conversations as _conversations  # noqa: F401 - adds /conversations to bp
from bot.web.api import manifest as _manifest  # noqa: F401 - adds GET /manifest to bp
from bot.web.api import metrics as _metrics  # noqa: F401 - adds GET /metrics (outcomes, the money view) to bp
from bot.web.api import settings as _settings  # noqa: F401 - adds /settings and /config to bp
from bot.web.api import templates as _templates  # noqa: F401 - adds /templates (the merchant's wording) to bp
from bot.web.api.photos import pod_bp
from bot.web.api.routes import bp

__all__ = ["bp", "pod_bp"]
