"""Infrastructure adapters behind the core's ports that need an outside service (Redis today).

Only the composition root (bot/runtime.py) picks them; the core never imports them.
"""
