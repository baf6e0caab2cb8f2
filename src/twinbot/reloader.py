"""Hot reload: organisers' edits to the knowledge folder reach the running bot at once.

`Reloader` owns one knowledge folder. `reload()` validates it with `check_knowledge` (the very
checks of `twinbot check`), builds a new `Responder` and its indexes in a worker thread,
and hands it to `install`, which swaps one reference: a question already being answered
finishes with the responder it started with, the next one gets the new one. An invalid folder
installs nothing, so the bot keeps serving the last good knowledge base, and the result carries
the validator's lines for the organisers.

`watch()` triggers reloads by itself: with file system events (watchfiles) where they work,
else by polling the files' sizes and modification times. Editors write a file several times
and leave swap files behind, so only knowledge files count (`*.yaml`, `*.yml`, not dot
files), changes are collected until the folder has been quiet for `SETTLE_SECONDS`, a reload
waits until the files' sizes and times have held still for `QUIET_SECONDS` (a slow save in
chunks is one reload, not one per chunk), and a reload whose files are byte-for-byte the ones
already tried does nothing. A folder that is
deleted, replaced (`mv new knowledge`) or appears later is picked up again. Nothing in here
may stop the bot: every failure is logged and reported, and watching goes on. This module
knows no Telegram; the bot and the local chat decide whom to tell.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from twinbot.i18n import Catalogs
from twinbot.loader import is_knowledge_file, knowledge_files, read_knowledge_file
from twinbot.ranking.dense import Encoder
from twinbot.responder import Responder
from twinbot.validate import check_knowledge

_log = logging.getLogger(__name__)

#: Changes are collected until the folder has been quiet this long (editors save in steps).
SETTLE_SECONDS = 0.3
#: A reload starts only once the knowledge files' sizes and times have not changed for this
#: long: an editor that writes a file in slow chunks must not have each chunk installed.
QUIET_SECONDS = 0.5
#: How often polling looks at the files, and how often event watching checks that the folder
#: it watches is still the one at the path.
DEFAULT_INTERVAL = 2.0


class ReloadMode(StrEnum):
    """How a running bot notices edits (`--reload` / `TWINBOT_RELOAD`)."""

    #: File system events (watchfiles); polling where they are unavailable.
    AUTO = "auto"
    #: Look at the files every interval (network file systems, some container mounts).
    POLL = "poll"
    #: Only the admin command /reload.
    OFF = "off"


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What one reload did."""

    #: True when the knowledge base in use is the folder's current content.
    ok: bool
    #: False when the files were the ones already tried: nothing was done or reported.
    changed: bool
    directory: Path
    entries: int = 0
    topics: int = 0
    errors: int = 0
    warnings: int = 0
    #: The validator's lines (`file:line: what — how to fix`), then its totals line.
    lines: tuple[str, ...] = ()
    #: An unexpected failure (not a problem in the files), as one line.
    failure: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


Install = Callable[[Responder], None]
Report = Callable[[ReloadResult], Awaitable[None]]


def knowledge_digest(directory: Path) -> str:
    """A digest of the knowledge files' names and contents ("" when the folder is missing):
    equal digests mean a reload would read the same bytes, so `reload(force=False)` skips it.

    Reads only what the loader would read (regular files within the budgets, without blocking);
    for any other file its kind, size and time stand in for the content.
    """
    readable, _, found = knowledge_files(directory)
    if not found and not directory.is_dir():
        return ""
    digest = hashlib.sha256()
    allowed = {str(path) for path in readable}
    for name in found:
        digest.update(name.encode() + b"\0")
        try:
            if name in allowed:
                digest.update(read_knowledge_file(Path(name)))
            else:
                info = os.lstat(name)
                digest.update(f"{info.st_mode} {info.st_size} {info.st_mtime_ns}".encode())
        except OSError as exc:  # deleted meanwhile, or unreadable: the loader will say so
            digest.update(f"\0{exc.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _stamps(directory: Path) -> tuple[object, ...]:
    """The folder's identity and its knowledge files' names, sizes and mtimes: cheap, and it
    changes with any edit, so polling and the wait for quiet look at it; `knowledge_digest`
    reads the content."""
    try:
        folder = directory.stat()
        files = [
            (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
            for entry in os.scandir(directory)
            if is_knowledge_file(entry.name)
        ]
    except OSError:
        return ()
    return (folder.st_dev, folder.st_ino, *sorted(files))


def _identity(directory: Path) -> tuple[int, int] | None:
    try:
        folder = directory.stat()
    except OSError:
        return None
    return (folder.st_dev, folder.st_ino)


class Reloader:
    """Reloads one knowledge folder into the bot, on request or when its files change."""

    def __init__(
        self,
        directory: Path,
        catalogs: Catalogs,
        install: Install,
        *,
        report: Report | None = None,
        strict: bool = False,
        encoder: Encoder | None = None,
    ) -> None:
        self.directory = directory
        self._encoder = encoder
        self._catalogs = catalogs
        self._install = install
        self._report = report
        self._strict = strict
        self._lock = asyncio.Lock()
        # The content the bot started with counts as tried: touching a file reloads nothing.
        self._tried = knowledge_digest(directory)

    async def reload(self, *, force: bool = True) -> ReloadResult:
        """Validate and build off the event loop, then install; never raises.

        Without *force*, files identical to the last ones tried are left alone.
        """
        async with self._lock:
            try:
                digest = await asyncio.to_thread(knowledge_digest, self.directory)
                if not force and digest == self._tried:
                    return ReloadResult(ok=True, changed=False, directory=self.directory)
                self._tried = digest
                result, responder = await asyncio.to_thread(self._build)
                if responder is not None:
                    self._install(responder)
            except Exception as exc:
                _log.exception("reloading %s failed", self.directory)
                result = ReloadResult(
                    ok=False,
                    changed=True,
                    directory=self.directory,
                    failure=f"{type(exc).__name__}: {exc}",
                )
        if result.ok:
            _log.info(
                "knowledge reloaded from %s: %d entries, %d topics, %d warnings",
                self.directory,
                result.entries,
                result.topics,
                result.warnings,
            )
        elif result.failure is None:
            _log.warning(
                "knowledge in %s not reloaded, still serving the last good version:\n%s",
                self.directory,
                "\n".join(result.lines),
            )
        return result

    def _build(self) -> tuple[ReloadResult, Responder | None]:
        checked = check_knowledge(self.directory, strict=self._strict)
        result = ReloadResult(
            ok=checked.ok,
            changed=True,
            directory=self.directory,
            entries=len(checked.knowledge),
            topics=len(checked.knowledge.topics),
            errors=checked.errors,
            warnings=checked.warnings,
            lines=tuple(checked.lines()),
        )
        if not checked.ok:
            return result, None
        from twinbot.assembly import cached_responder

        # Through the index cache (a restart after the reload finds it built); the vector
        # store embeds only the phrasings that are new or changed.
        responder = cached_responder(
            self.directory, self._catalogs, lambda _: checked.knowledge, self._encoder
        )
        return result, responder

    # --- watching ------------------------------------------------------------------------------

    async def watch(
        self,
        stop: asyncio.Event,
        mode: ReloadMode = ReloadMode.AUTO,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        """Reload on every settled change until *stop* is set; reports each changed result."""
        if mode is ReloadMode.OFF:
            return
        if mode is ReloadMode.AUTO:
            try:
                import watchfiles  # noqa: F401  (only probing that it is installed)
            except ImportError:
                _log.info("watchfiles is not installed: polling %s", self.directory)
                mode = ReloadMode.POLL
        _log.info("watching %s for changes (%s)", self.directory, mode.value)
        while not stop.is_set():
            try:
                if mode is ReloadMode.AUTO:
                    await self._watch_events(stop, interval)
                else:
                    await self._poll(stop, interval)
            except OSError as exc:
                # e.g. the inotify watch limit: polling works everywhere.
                _log.warning("cannot watch %s (%s); polling instead", self.directory, exc)
                mode = ReloadMode.POLL
            except Exception:
                _log.exception("watching %s failed; retrying", self.directory)
                await _sleep(stop, interval)

    async def _watch_events(self, stop: asyncio.Event, interval: float) -> None:
        from watchfiles import awatch

        identity = _identity(self.directory)
        if identity is None:  # not there (yet): look again in a while
            await _sleep(stop, interval)
            if _identity(self.directory) is not None:
                await self._changed(stop)
            return
        root = {str(self.directory), os.path.abspath(self.directory)}

        def relevant(_: object, path: str) -> bool:
            return path in root or is_knowledge_file(os.path.basename(path))

        first = True
        async for changes in awatch(
            self.directory,
            watch_filter=relevant,
            stop_event=stop,
            debounce=int(max(10 * SETTLE_SECONDS, interval) * 1000),
            step=int(SETTLE_SECONDS * 1000),
            rust_timeout=int(interval * 1000),
            yield_on_timeout=True,
            recursive=False,
        ):
            if _identity(self.directory) != identity or any(path in root for _, path in changes):
                # Deleted or replaced (a new folder may even reuse the inode number): the
                # events of the old folder are of no use.
                break
            if changes or first:
                # The first pass also catches what changed before the watch began.
                await self._changed(stop)
                first = False
        if not stop.is_set():
            await self._changed(stop)

    async def _poll(self, stop: asyncio.Event, interval: float) -> None:
        seen = await asyncio.to_thread(_stamps, self.directory)
        await self._changed(stop)  # whatever changed before polling began
        while not await _sleep(stop, interval):
            now = await asyncio.to_thread(_stamps, self.directory)
            if now == seen:
                continue
            # Caught mid-save? Wait until two looks agree.
            while not await _sleep(stop, SETTLE_SECONDS):
                settled = await asyncio.to_thread(_stamps, self.directory)
                if settled == now:
                    break
                now = settled
            seen = now
            await self._changed(stop)

    async def _quiet(self, stop: asyncio.Event) -> bool:
        """Wait until the knowledge files have stayed unchanged for `QUIET_SECONDS`.

        False when *stop* was set meanwhile: shutting down never waits for a busy file.
        """
        now = await asyncio.to_thread(_stamps, self.directory)
        while not await _sleep(stop, QUIET_SECONDS):
            later = await asyncio.to_thread(_stamps, self.directory)
            if later == now:
                return True
            now = later
        return False

    async def _changed(self, stop: asyncio.Event) -> None:
        if not await self._quiet(stop):
            return
        result = await self.reload(force=False)
        if not result.changed or self._report is None:
            return
        try:
            await self._report(result)
        except Exception:
            _log.exception("could not report the reload of %s", self.directory)


async def _sleep(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to *seconds*; True when *stop* was set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True
