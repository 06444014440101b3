"""A new build is served once warm: the build served before is kept while the readers' recent
calls are made again on the new one, unless the warm-up outlasts its limit; a database replaced
in place, another database, or a forgotten one is served at once."""

from __future__ import annotations

import threading

import pytest

from kp_dash.numbers import metrics
from kp_dash.store import accounts, build, config, db, intake
from kp_dash.views import cached
from kp_dash.views.warm_builds import Replay, Switch, warmed_apart
from tests.conftest import SMALL_USAGE_FILE

OLD = ("/srv/data/kp_dash.builds/a.duckdb", 1, 11)
NEW = ("/srv/data/kp_dash.builds/b.duckdb", 2, 12)
NEWER = ("/srv/data/kp_dash.builds/c.duckdb", 3, 13)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class HeldWarmUp:
    """A warm-up that waits until the test lets it finish, recording what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []
        self.release = threading.Event()
        self.finished = threading.Event()
        self.keep_going: list = []

    def __call__(self, stamp, keep_going) -> None:
        self.asked.append(stamp)
        self.keep_going.append(keep_going)
        self.release.wait(5)
        self.finished.set()


@pytest.fixture
def held():
    warm = HeldWarmUp()
    yield warm
    warm.release.set()


def test_the_first_build_is_served_at_once(held):
    switch = Switch(held, limit_s=60, clock=Clock())
    assert switch.serve(OLD) == OLD
    assert held.asked == []


def test_a_new_build_is_served_once_it_is_warm(held):
    switch = Switch(held, limit_s=60, clock=Clock())
    switch.serve(OLD)
    assert switch.serve(NEW) == OLD
    assert switch.serve(NEW) == OLD  # asked again while warming: one warm-up, the old build
    held.release.set()
    assert held.finished.wait(5)
    assert switch.serve(NEW) == NEW
    assert held.asked == [NEW]


def test_a_warm_up_that_outlasts_its_limit_is_not_waited_for(held):
    clock = Clock()
    switch = Switch(held, limit_s=60, clock=clock)
    switch.serve(OLD)
    assert switch.serve(NEW) == OLD
    clock.now += 59.9
    assert switch.serve(NEW) == OLD
    clock.now += 0.1
    assert switch.serve(NEW) == NEW
    assert held.keep_going[0]() is False  # and the warm-up is told to stop


def test_a_newer_build_stops_the_warm_up_of_the_one_before(held):
    switch = Switch(held, limit_s=60, clock=Clock())
    switch.serve(OLD)
    switch.serve(NEW)
    assert held.keep_going[0]() is True
    assert switch.serve(NEWER) == OLD
    assert held.keep_going[0]() is False


def test_a_failed_warm_up_does_not_keep_the_old_build():
    def failing(stamp, keep_going):
        raise RuntimeError("the new build cannot be read")

    switch = Switch(failing, limit_s=60, clock=Clock())
    switch.serve(OLD)
    switch.serve(NEW)
    switch._done.wait(5)
    assert switch.serve(NEW) == NEW


@pytest.mark.parametrize(
    "newest",
    [
        ("/srv/data/kp_dash.builds/a.duckdb", 5, 99),  # the same file, rebuilt in place
        ("/tmp/other/kp_dash.builds/b.duckdb", 2, 12),  # another database
    ],
)
def test_a_database_that_cannot_be_read_beside_the_old_is_served_at_once(held, newest):
    switch = Switch(held, limit_s=60, clock=Clock())
    switch.serve(OLD)
    assert switch.serve(newest) == newest
    assert held.asked == []


def test_after_forget_the_newest_is_served_at_once(held):
    switch = Switch(held, limit_s=60, clock=Clock())
    switch.serve(OLD)
    switch.serve(NEW)
    switch.forget()
    assert switch.serve(NEW) == NEW


def test_builds_warmed_apart_are_other_files_of_one_folder():
    assert warmed_apart(OLD, NEW)
    assert not warmed_apart(OLD, (OLD[0], 9, 9))
    assert not warmed_apart(OLD, ("/elsewhere/b.duckdb", 2, 12))


def recorder(made: list):
    """A reader's computation by name that records what it is asked."""

    def computation(name: str):
        return lambda stamp, *args, **kwargs: made.append((stamp, args, kwargs))

    return computation


def test_replay_makes_the_latest_different_calls_again_most_recent_first():
    made: list = []
    replay = Replay(recorder(made), size=2)
    replay.add("frame", ("uptake", None), {})
    replay.add("part", ("table",), {"service": "H01"})
    replay.add("frame", ("uptake", None), {})  # again: now the most recent
    replay.add("frame", ("reach", None), {})  # the oldest of three goes
    replay.warm(NEW, lambda: True)
    assert made == [(NEW, ("reach", None), {}), (NEW, ("uptake", None), {})]


def test_replay_stops_when_told_and_skips_calls_it_cannot_keep():
    made: list = []
    replay = Replay(recorder(made), size=10)
    replay.add("frame", (["a", "list"],), {})  # unhashable: not kept, and no error
    replay.add("frame", ("one",), {})
    replay.add("frame", ("two",), {})
    answers = iter([True, False])
    replay.warm(NEW, lambda: next(answers))
    assert made == [(NEW, ("two",), {})]


# --- in the read boundary: a build published by an import -------------------------------------

VIEWER = accounts.User("analyst", "analyst")
SHARE = ("digital_share_pct", ("district",))


def test_the_app_serves_its_build_until_an_imported_one_is_warm(monkeypatch):
    build.build(with_demo=False)
    cached.data_changed()
    first = cached.stamp()
    before = cached.metric_frame(cached.Reading(VIEWER, first), *SHARE)
    assert before["value"].isna().all()  # no usage yet
    let_warm = threading.Event()
    warm = cached._SWITCH.warm

    def held_warm(stamp, keep_going):
        let_warm.wait(30)
        warm(stamp, keep_going)

    monkeypatch.setattr(cached._SWITCH, "warm", held_warm)
    assert intake.import_file(SMALL_USAGE_FILE, who="tester").status == "accepted"
    assert cached.stamp() == first  # the new build is warming: the one served stays
    let_warm.set()
    assert cached._SWITCH._done.wait(30)
    fresh = cached.stamp()
    assert fresh != first and fresh[0] == str(db.current_build(config.db_path()))
    # the warm-up computed the recent call on the new build: reading it queries nothing
    monkeypatch.setattr(metrics, "fetch", lambda *a: pytest.fail("computed again"))
    after = cached.metric_frame(cached.Reading(VIEWER, fresh), *SHARE).set_index("district_code")
    # usage_small.csv: Peshawar 230 of 280 transactions online or by mobile app
    assert after.loc["PK528", "value"] == pytest.approx(100 * 230 / 280)


def test_an_import_in_this_process_is_served_at_once():
    build.build(with_demo=False)
    cached.data_changed()
    first = cached.stamp()
    assert intake.import_file(SMALL_USAGE_FILE, who="tester").status == "accepted"
    cached.data_changed()  # what the Data page does after an import it made
    assert cached.stamp() not in (None, first)
