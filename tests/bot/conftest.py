"""Fixtures of the bot's stories: a fake Bot API server, settings pointing the bot at it, the
bot running as `python -m booking worker` runs it, and the people of the stories."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from booking.availability import set_available_days
from booking.settings import Settings
from tests.bot.harness import EVERY_DAY, BotUnderTest
from tests.fake_telegram import FakeTelegram, FakeUser


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    """Settings a module or class changes for its stories (override this fixture)."""
    return {}


@pytest.fixture
async def settings(
    make_settings: Callable[..., Settings],
    database_url: str,
    telegram: FakeTelegram,
    smtp_settings: dict[str, str],
    settings_overrides: dict[str, str],
) -> Settings:
    """The shared `db` fixture opens the database with these settings."""
    return make_settings(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_URL=telegram.api_url,
        PRACTICE_NAME="Calm Minds",
        **smtp_settings,
        **settings_overrides,
    )


@pytest.fixture
async def bot(db: Settings, telegram: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    await set_available_days(EVERY_DAY)
    under_test = BotUnderTest(db)
    await under_test.start()
    # "Nothing arrives" checks (FakeUser.expect_nothing) first let the bot finish.
    telegram.settle_hooks.append(under_test.settle)
    try:
        yield under_test
    finally:
        telegram.settle_hooks.remove(under_test.settle)
        await under_test.stop()


@pytest.fixture
def alice(telegram: FakeTelegram) -> FakeUser:
    """A new client: has Telegram, no account yet."""
    return telegram.user(1001, "Alice", "Archer", username="alice")


@pytest.fixture
def charlie(telegram: FakeTelegram) -> FakeUser:
    """Another client."""
    return telegram.user(1003, "Charlie", "Chen")


@pytest.fixture
def theo(telegram: FakeTelegram) -> FakeUser:
    """The therapist."""
    return telegram.user(2001, "Theo", "Hart")


@pytest.fixture
def tess(telegram: FakeTelegram) -> FakeUser:
    """A second therapist of the practice."""
    return telegram.user(2002, "Tess", "Lund")
