"""Shared fixtures: a real database (SQLite file, or PostgreSQL via PARCELBOT_TEST_DATABASE_URL), a real
trained NLU model, and the real app. Nothing of ours is patched; outside HTTP is mocked with `responses`."""

from __future__ import annotations

import os
import shutil
import zlib
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from backend.db import recreate, upgrade
from backend.models import Base

PG_URL = os.environ.get("PARCELBOT_TEST_DATABASE_URL")
TWILIO_TOKEN = "test-twilio-auth-token"
PUBLIC_URL = "https://bot.example.com"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: needs the SQLite default (skipped on PostgreSQL)")
    _travel_to_midday()
    _cheap_password_hashes()
    _route_builders_once()


# Most tests build a Flask app of their own (create_app: about 70 routes), and Werkzeug writes and compiles two
# URL-building functions for every route of every app: 130 of the 160 ms an app took, some eight CPU-minutes of a CI
# run. A builder is a pure function of its rule (the `.self` it gets is bound per rule afterwards), so the suite
# compiles each once per process. Production builds its app once per process and is untouched.
def _route_builders_once() -> None:
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    built: dict[tuple, object] = {}

    def once(self: Rule, append_unknown: bool = True):  # noqa: ANN202
        key = (self.rule, self.subdomain, self.host, self.merge_slashes, tuple(self._trace),
               tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items())), append_unknown)
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    Rule._compile_builder = once


# Console and admin tests create and sign in users by the hundred; argon2id at the product's parameters (64 MiB,
# three passes: bot/services/users.py) costs about 0.2 s a hash on a 2-core CI machine, over six minutes of a CI
# run spent hashing. In this process the suite hashes with argon2-cffi's CHEAPEST profile, still argon2id and still
# verified; the product's own parameters are checked in tests/console/test_console_security.py, and the commands
# the suite starts as processes (`parcelbot user add`, gunicorn) hash at the product's cost.
def _cheap_password_hashes() -> None:
    from argon2 import PasswordHasher, profiles

    from bot.services import users
    from tests.helpers import PRODUCT_HASHER

    PRODUCT_HASHER.append(users._HASHER)
    users._HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
    users._DUMMY = users._HASHER.hash("parcelbot: no such user")


# The suite runs at midday London on the real date, with the clock ticking from there. The product's rules
# depend on the hour, rightly: the demo's changes close at 22:00 the evening before delivery and its
# notifications wait out quiet hours (21:00-08:00). On the real clock the same suite passed at 20:00 and
# failed 49 tests at 22:30, and a run across midnight moves "tomorrow". A test about those hours sets its
# own moment (`Runtime.set_clock`, `now=`); every other test gets an ordinary working day. time-machine
# moves the wall clock of this whole process at once (datetime.now, time.time: the rows' timestamps, one-time
# codes, signed links, the pool's ages, the live servers' threads), so nothing runs on a mix of clocks;
# time.monotonic and perf_counter are left alone. Processes a test starts (gunicorn, the CLI, Chromium) keep
# the real clock: a time handed to one is tests/helpers.real_now(). PARCELBOT_TEST_REAL_CLOCK=1 runs the suite
# on the real clock instead; PARCELBOT_TEST_CLOCK=2026-12-07T09:30 (London if no offset) at that moment.
_TRAVEL: list = []
TZ_AT_START = os.environ.get("TZ")  # the suite leaves it alone (tests/seams/test_suite_clock.py)
# The real date in London when the suite started: the day it travels to (a run that crosses midnight stays on it).
DATE_AT_START = datetime.now(ZoneInfo("Europe/London")).date()


def _travel_to_midday() -> None:
    if os.environ.get("PARCELBOT_TEST_REAL_CLOCK") == "1" or _TRAVEL:
        return
    import time_machine

    london = ZoneInfo("Europe/London")
    start = os.environ.get("PARCELBOT_TEST_CLOCK")  # another moment to try the suite at (ISO, London if naive)
    if start:
        moment = datetime.fromisoformat(start)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=london)
    else:
        moment = datetime.combine(DATE_AT_START, time(12), tzinfo=london)
    # Given as UTC: a destination with a ZoneInfo would make time-machine set TZ for the whole session (and for
    # every process a test starts), hiding any code that reads the server's local time.
    traveller = time_machine.travel(moment.astimezone(UTC), tick=True)
    traveller.start()
    _TRAVEL.append(traveller)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _TRAVEL:
        _TRAVEL.pop().stop()


# Tests with no database in them run once, in the SQLite pass: the NLU layer imports no other project package
# (the import contracts check it), the entity fuzzers call pure functions, and the rest listed build no database
# (the architecture checks, a plain install, the HTTP client's budgets and egress checks, the lanes). Running them
# again on PostgreSQL would test nothing new and cost CI minutes.
DATABASE_FREE = ("tests/intents/", "tests/fuzz/test_entities_fuzz.py", "tests/test_architecture.py",
                 "tests/seams/test_packaging.py", "tests/faults/test_carrier_cut_short_breaker.py",
                 "tests/faults/test_cut_rule_review.py", "tests/faults/test_lanes_accounting_review.py",
                 "tests/faults/test_carrier_lanes_overflow.py", "tests/faults/test_carrier_trickle.py",
                 "tests/api/test_carrier_egress.py",
                 "tests/api/test_carrier_egress_proxy.py", "tests/api/test_egress_nat64_review.py",
                 "tests/api/test_egress_proxy_lookup_review.py")
# The pages in real Chromium run once too: what a page shows and does is the same on either database, and the
# API and services beneath every page run in both passes.
BROWSER = "_browser.py"
# The conversation scripts run over three ways in (the chat path, the signed SMS webhook, the REST web chat) on
# SQLite; on PostgreSQL over the SMS webhook only, the one of the three that exercises every statement the others
# do and more (the stored inbound row, a retry's dedupe, the TwiML). The other two ways in write the same rows
# through the same engine: running them again on PostgreSQL cost the CI's longer pass about two minutes and tested
# no statement the webhook run does not (CI had reached 20 minutes on this machine).
ONE_WAY_IN_ON_POSTGRESQL = ("tests/test_conversations.py::test_conversation_in_chat[",
                            "tests/test_conversations.py::test_conversation_over_rest[")


# Run once, in the SQLite pass, because what they check does not depend on the database (CI had reached 21 minutes
# on a 2-core machine with them in both passes):
# - how shoppers' words are read: the shopper-voice, rule and "today" reviews drive the real engine, but what each
#   asserts is the reading (the NLU and the dialogue rules, no SQL of their own) and the reply's wording; the
#   journeys they reach write through the same services the conversation scripts drive over the webhook on
#   PostgreSQL;
# - wording checks (length, characters, templates, grammar, the wording service being the only reader);
# - fuzzers of the parsers (hypothesis, schemathesis): a body is refused or read before any statement; the
#   PostgreSQL pass keeps tests/fuzz/test_api_found.py, what the fuzzers found, one test each;
# - processes started with an environment of their own (the start-up warnings, a setting's typo refused);
# - the admin pages (tests/admin: forms, labels, CSRF, what a merchant reads): the settings they write go through
#   bot/services/merchant_settings.py, whose tests (tests/services, tests/api) run in both passes.
READING_ONCE = ("tests/review/test_shopper_voice_review", "tests/review/test_rules_review_fp",
                "tests/review/test_today_review", "tests/seams/test_reply_length.py",
                "tests/seams/test_default_wording.py", "tests/seams/test_grammar.py",
                "tests/seams/test_sent_texts_are_templates.py", "tests/seams/test_template_check.py",
                "tests/seams/test_unseen_characters.py", "tests/seams/test_wording_paths.py",
                "tests/fuzz/test_api_bodies_fuzz.py", "tests/fuzz/test_openapi_schemathesis.py",
                "tests/fuzz/test_webhooks_fuzz.py", "tests/seams/test_shared_setup_named_at_start.py",
                "tests/seams/test_settings.py", "tests/admin/")
# A shopper-wording family under tests/dialogues (one test parametrized over ways of putting the same thing) runs
# whole on SQLite and its first case on PostgreSQL: the other cases differ in the words the shopper chose and drive
# the same journey through the same service writes the first case does.
WORDING_FAMILIES = ("tests/dialogues/",)


# The conversation scripts over the chat path (the engine with the terminal's channel spec) run each script file's
# first script: the webhook runs every script through the same engine, and the SMS spec renders choices as the
# terminal's does (numbered lines); the REST web chat, a channel of its own, keeps every script marked for it.
CHAT_WAY = "tests/test_conversations.py::test_conversation_in_chat["


def _later_of_family(family: str, seen: set[str]) -> bool:
    """True for the second and later items of a family (the first one seen runs where the others don't)."""
    if family in seen:
        return True
    seen.add(family)
    return False


def _later_chat_script(item: pytest.Item, seen: set[str]) -> bool:
    return item.nodeid.startswith(CHAT_WAY) and _later_of_family(item.nodeid[len(CHAT_WAY):].split(":", 1)[0], seen)


def _later_wording(item: pytest.Item, seen: set[str]) -> bool:
    """True for the second and later cases of a parametrized test under WORDING_FAMILIES."""
    where = Path(str(item.fspath)).as_posix()
    if not any(f"/{part}" in where for part in WORDING_FAMILIES) or not hasattr(item, "callspec"):
        return False
    return _later_of_family(item.nodeid.split("[", 1)[0], seen)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--shard", default=None, metavar="I/N",
                     help="run part I of N (1-based) of the suite, split by test file: scripts/test runs the parts "
                          "side by side")


def _in_shard(path: Path, shard: tuple[int, int]) -> bool:
    """A whole file to one part (its module fixtures set up once), chosen by a hash of its path: the same split
    on every machine and run, with nothing to keep up to date as files are added."""
    where = path.resolve().relative_to(Path(__file__).resolve().parent).as_posix()
    return zlib.crc32(where.encode()) % shard[1] == shard[0] - 1


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Another part's test files are not even imported (collecting the whole suite took each part most of a
    minute)."""
    shard = _shard(config)
    name = collection_path.name
    if shard is None or not (name.startswith("test_") and name.endswith(".py")):
        return None
    return None if _in_shard(collection_path, shard) else True


def _shard(config: pytest.Config) -> tuple[int, int] | None:
    given = config.getoption("--shard")
    if not given:
        return None
    part, _, parts = given.partition("/")
    if not (part.isdigit() and parts.isdigit() and 1 <= int(part) <= int(parts)):
        raise pytest.UsageError(f"--shard {given!r}: expected I/N with 1 <= I <= N, e.g. 1/2")
    return int(part), int(parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seen: set[str] = set()
    scripts: set[str] = set()
    chat_later = [item for item in items if _later_chat_script(item, scripts)]
    if chat_later:
        config.hook.pytest_deselected(items=chat_later)
        dropped = set(chat_later)
        items[:] = [item for item in items if item not in dropped]
    for item in items:
        where = Path(str(item.fspath)).as_posix()
        if where.endswith(BROWSER) or any(f"/{part}" in where for part in DATABASE_FREE + READING_ONCE) \
                or item.nodeid.startswith(ONE_WAY_IN_ON_POSTGRESQL) or _later_wording(item, seen):
            item.add_marker(pytest.mark.sqlite_only)


@pytest.fixture(scope="session")
def nlu_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model trained from training_data/ for this run: scripts/test trains it once for all its parts
    (PARCELBOT_TEST_NLU_MODEL); a run of its own trains its own."""
    import intents

    given = os.environ.get("PARCELBOT_TEST_NLU_MODEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("nlu") / "model"
    intents.train(intents.default_training_paths(), out)
    return out


@pytest.fixture(scope="session")
def interpreter(nlu_model: Path):  # noqa: ANN201
    import intents

    return intents.load_interpreter("embedded", model_path=nlu_model)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dbtemplate") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_migrated() -> bool:
    if not PG_URL:
        return False
    recreate(PG_URL)
    return True


# Emptying the PostgreSQL database between tests: the tables locked as TRUNCATE locks them, DELETE in foreign-key
# order and each sequence restarted, sent as one batch. TRUNCATE ... RESTART IDENTITY did the same in about 140 ms
# on this machine (it replaces every table's files and syncs them); this takes about 5 ms on the few rows a test
# leaves, which was about 6 minutes of the PostgreSQL pass. Ids start at 1 again either way.
_EMPTYING: list[str] = []


def _emptying(conn) -> str:  # noqa: ANN001
    if not _EMPTYING:
        sequences = [seq for seq in conn.execute(text(
            "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND (column_default LIKE 'nextval%' OR is_identity = 'YES')"
        )).scalars() if seq]
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        # The lock TRUNCATE takes, first: a transaction a previous test left open (a thread still finishing) is
        # waited for, and what it wrote is deleted too, as TRUNCATE did.
        _EMPTYING.append("; ".join([f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"]
                                   + [f"DELETE FROM {name}" for name in tables]  # noqa: S608 - our own tables
                                   + [f"ALTER SEQUENCE {seq} RESTART" for seq in sequences]))
    return _EMPTYING[0]


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated, empty database for this test."""
    if PG_URL:
        request.getfixturevalue("_pg_migrated")
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(_emptying(conn))
        engine.dispose()
        return PG_URL
    path = tmp_path / "parcelbot.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> dict[str, str]:
    return {
        "PARCELBOT_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": db_url,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "PARCELBOT_SECRET_KEY": "test-secret-key",
        "PARCELBOT_PUBLIC_URL": PUBLIC_URL,
        # The stall guard (backend/stall.py) is a timing: a loaded test machine must not trip it in tests that are
        # about something else. Its own tests set it low (tests/faults).
        "PARCELBOT_DB_STALL_SECONDS": "60",
        "PARCELBOT_DB_STALL_REQUEST_SECONDS": "120",
    }


@pytest.fixture
def settings(env: dict[str, str]):  # noqa: ANN201
    from bot.config import Settings

    return Settings.from_env(env)


@pytest.fixture
def runtime(settings, interpreter):  # noqa: ANN001, ANN201
    from bot.runtime import build_runtime

    rt = build_runtime(settings, interpreter=interpreter, synchronous_jobs=True)
    yield rt
    rt.db.dispose()


@pytest.fixture
def demo(runtime):  # noqa: ANN001, ANN201
    from backend.db import transaction
    from bot.services.demo import seed_demo

    with transaction(runtime.sessions) as session:
        merchant = seed_demo(session)
    return merchant


@pytest.fixture
def app(runtime):  # noqa: ANN001, ANN201
    from bot.web import create_app

    flask_app = create_app(runtime=runtime)
    flask_app.config["TESTING"] = False  # errors must go through our handlers, as in production
    return flask_app


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()
