"""The queue page's search box (GET /console?q=...): a shopper who phones is found by the number they give,
their phone number however it is typed, or a tracking or order number (bot/services/console_search.py says
what matches). A GET form: it works without JavaScript, and the address can be bookmarked or shared with a
colleague, who sees it only if they belong to the same merchant."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from bot.services.console_search import FOUND_MAX, MAX_QUERY, Search, find_conversations
from bot.services.users import Agent
from bot.web.api.conversations import queue_rows
from bot.web.ext import current_runtime


def search_page(agent: Agent, raw: str, tabs: tuple[tuple[str, str], ...], *, form: Any) -> Any:
    """The queue page with the conversations `raw` names among the agent's merchant's, newest first: the
    whole page, or only its rows (?part=rows, which the live updates reload)."""
    too_long = len(raw) > MAX_QUERY
    rt = current_runtime()
    with rt.sessions() as session:
        merchant = session.get(m.Merchant, agent.merchant_id)
        search = Search.read(raw, MerchantConfig.of(merchant).region)
        found = [] if too_long or not search.usable else find_conversations(session, agent.merchant_id, search)
        rows = queue_rows(session, found[:FOUND_MAX], now=rt.clock())
    template = "console/_search_rows.html" if request.args.get("part") == "rows" else "console/queue.html"
    return render_template(template, agent=agent, tab=None, tabs=tabs, rows=rows, form=form, q=search.text,
                           q_max=MAX_QUERY, searched=True, too_long=too_long, usable=search.usable,
                           more=len(found) > FOUND_MAX, statuses=dict(tabs), cursor=None)
