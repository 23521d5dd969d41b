"""`python -m bot.cli` is `parcelbot`."""

from bot.cli import main

main()
