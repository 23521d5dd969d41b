"""Production entry point: `gunicorn 'bot.wsgi:app'` (settings from the environment)."""

from bot.app import create_app

app = create_app()
