"""Hot reload: validate, build and install; watch a real folder with events and by polling."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from auxil.knowledge_folder import (
    BROKEN,
    BROKEN_LINE,
    PARKING,
    PARKING_QUESTION,
    add_parking,
    write_folder,
)
from twinbot import reloader as reloader_module
from twinbot.calibration import Outcome
from twinbot.i18n import Catalogs
from twinbot.reloader import Reloader, ReloadMode, ReloadResult, knowledge_digest
from twinbot.responder import Responder

CATALOGS = Catalogs.load()
#: Short enough for fast tests, long enough for a loaded CI machine.
INTERVAL = 0.2


class Bot:
    """What the reloader talks to: the installed responders and the reports."""

    def __init__(self, directory: Path) -> None:
        self.installed: list[Responder] = []
        self.reports: list[ReloadResult] = []
        self.reloader = Reloader(directory, CATALOGS, self.installed.append, report=self.report)

    async def report(self, result: ReloadResult) -> None:
        self.reports.append(result)

    def answers(self, question: str) -> bool:
        return bool(self.installed) and self.installed[-1].reply(question).matched


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "knowledge")


async def test_a_valid_edit_is_installed(folder: Path) -> None:
    bot = Bot(folder)
    add_parking(folder)
    result = await bot.reloader.reload()
    assert (result.ok, result.changed, result.entries, result.topics) == (True, True, 3, 2)
    assert result.lines == ("OK: 2 files, 3 entries, no problems",)
    assert bot.answers(PARKING_QUESTION)


async def test_a_broken_edit_installs_nothing_and_says_where(folder: Path) -> None:
    bot = Bot(folder)
    add_parking(folder, BROKEN)
    result = await bot.reloader.reload()
    assert not result.ok and result.failure is None
    assert result.errors == 1
    assert BROKEN_LINE in result.lines[0] and "unsupported tag <p>" in result.lines[0]
    assert result.lines[-1].startswith("1 error")
    assert bot.installed == []


async def test_unchanged_files_are_not_reloaded_unless_forced(folder: Path) -> None:
    bot = Bot(folder)
    (folder / "conference.yaml").touch()
    (folder / "notes.txt").write_text("not knowledge")
    assert not (await bot.reloader.reload(force=False)).changed
    assert (await bot.reloader.reload(force=True)).changed
    assert len(bot.installed) == 1


async def test_an_unexpected_failure_is_a_result_not_an_exception(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(directory: Path, *, strict: bool = False) -> None:
        raise MemoryError("out of memory")

    monkeypatch.setattr(reloader_module, "check_knowledge", explode)
    bot = Bot(folder)
    result = await bot.reloader.reload()
    assert (result.ok, result.failure) == (False, "MemoryError: out of memory")
    assert bot.installed == []


def test_the_knowledge_digest_sees_content_not_swap_files(folder: Path) -> None:
    before = knowledge_digest(folder)
    for name in (".conference.yaml.swp", "conference.yaml~", "#conference.yaml#", "4913"):
        (folder / name).write_text("junk")
    assert knowledge_digest(folder) == before
    add_parking(folder)
    assert knowledge_digest(folder) != before
    assert knowledge_digest(folder / "missing") == ""


@asynccontextmanager
async def watching(bot: Bot, mode: ReloadMode) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(bot.reloader.watch(stop, mode, interval=INTERVAL))
    await asyncio.sleep(INTERVAL)  # the watcher is set up
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting for a reload"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("mode", [ReloadMode.AUTO, ReloadMode.POLL])
async def test_watching_picks_up_edits_breakage_recovery_and_a_replaced_folder(
    folder: Path, mode: ReloadMode
) -> None:
    bot = Bot(folder)
    async with watching(bot, mode):
        add_parking(folder)
        await until(lambda: bot.answers(PARKING_QUESTION))
        assert [r.ok for r in bot.reports] == [True]

        add_parking(folder, BROKEN)
        await until(lambda: len(bot.reports) == 2)
        assert not bot.reports[1].ok
        assert BROKEN_LINE in bot.reports[1].lines[0]
        assert len(bot.installed) == 1  # the good version stays

        add_parking(folder)  # fixed
        await until(lambda: len(bot.reports) == 3)
        assert bot.reports[2].ok and len(bot.installed) == 2

        # Deployed by replacing the folder: the new one is watched from then on.
        shutil.rmtree(folder)
        write_folder(folder)
        await until(lambda: len(bot.installed) == 3)
        assert not bot.answers(PARKING_QUESTION)
        add_parking(folder)
        await until(lambda: bot.answers(PARKING_QUESTION))


async def test_swap_files_and_other_files_trigger_nothing(folder: Path) -> None:
    bot = Bot(folder)
    async with watching(bot, ReloadMode.AUTO):
        (folder / ".conference.yaml.swp").write_text("junk")
        (folder / "README.md").write_text("notes")
        await asyncio.sleep(4 * INTERVAL)
    assert bot.reports == [] and bot.installed == []


async def test_off_returns_at_once(folder: Path) -> None:
    await asyncio.wait_for(Bot(folder).reloader.watch(asyncio.Event(), ReloadMode.OFF), 1)


async def test_a_missing_folder_is_waited_for(tmp_path: Path) -> None:
    bot = Bot(tmp_path / "later")
    async with watching(bot, ReloadMode.AUTO):
        await asyncio.sleep(INTERVAL)
        write_folder(tmp_path / "later")
        await until(lambda: len(bot.installed) == 1)
    assert bot.installed[0].reply("Wie kann ich an einem Jugendaustausch teilnehmen?").outcome is (
        Outcome.ANSWER
    )


async def test_the_reload_notice_has_one_problem_per_root_cause(tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge" / "broken"
    folder = tmp_path / "root-causes"
    shutil.copytree(fixture / "root-causes", folder)
    result = await Bot(folder).reloader.reload()
    expected = (fixture / "root-causes" / "expected.txt").read_text(encoding="utf-8")
    assert "\n".join(result.lines) + "\n" == expected.replace("broken/root-causes", str(folder))
    assert result.errors == 4


@pytest.mark.parametrize("mode", [ReloadMode.AUTO, ReloadMode.POLL])
async def test_a_slow_save_in_chunks_is_one_reload_of_the_whole_file(
    folder: Path, mode: ReloadMode
) -> None:
    # An editor writing in place, in chunks 0.4 s apart; after the first chunk the file is
    # already valid YAML (the old content), after the second a half-written entry.
    bot = Bot(folder)
    whole = (folder / "conference.yaml").read_text(encoding="utf-8") + PARKING
    cut = len(whole) - len(PARKING) // 2
    async with watching(bot, mode):
        with (folder / "conference.yaml").open("w", encoding="utf-8") as f:
            for chunk in (
                whole[: len(whole) - len(PARKING)],
                whole[len(whole) - len(PARKING) : cut],
                whole[cut:],
            ):
                f.write(chunk)
                f.flush()
                await asyncio.sleep(0.4)
        await until(lambda: len(bot.reports) >= 1)
        await asyncio.sleep(reloader_module.QUIET_SECONDS + 4 * INTERVAL)  # nothing else comes
    assert [r.ok for r in bot.reports] == [True]
    assert len(bot.installed) == 1 and bot.answers(PARKING_QUESTION)
