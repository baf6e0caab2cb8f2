"""The Telegram bot: the only package that imports python-telegram-bot.

Import its modules directly; this file imports none of them, so loading one (`split`, say)
does not load the rest. `app` wires the Application and runs it; `context` is the leaf every
other module may import (the typed context, `Services`, `BotApplication`); `handlers` and
`admin` are the thin callbacks for users and organisers; `language` decides which language
each message is in; `render` turns replies into HTML and keyboards; `local` lets the
Application run without a network.
"""
