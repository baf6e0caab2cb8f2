"""What the tests share: the fake Bot API and the bot harness on top of it, sample knowledge
(in memory and as a folder on disk), responders built once per session, a strict checker
of Telegram HTML, and the real `twinbot` command run as a child process. Test modules
import them as `auxil.<module>`."""
