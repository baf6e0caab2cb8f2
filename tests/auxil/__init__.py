"""What the tests share: the fake Bot API and the bot harness on top of it, sample knowledge
(in memory and as a folder on disk), responders built once per session, and a strict checker
of Telegram HTML. Test modules import them as `auxil.<module>`."""
