"""The busy measure of no_busy_loop (grader.scenarios.apart.busy_share), from hand-built schedstat
readings in milliseconds: what each thread could run of a window, less what it waited for a core."""
from __future__ import annotations

import pytest

from grader.kernel.procfs import Sched
from grader.scenarios.apart import busy_share

pytestmark = pytest.mark.timeout(5)
MS = 1_000_000
WINDOW = 800 * MS


def ms(cpu: int, delay: int) -> Sched:
    return Sched(cpu * MS, delay * MS)


def test_a_busy_loop_on_a_loaded_machine_is_busy_all_the_time_it_could_run():
    # 300 ms on a core, 500 ms waiting for one: CPU over the window would say 37%.
    assert busy_share({"1": ms(1000, 2000)}, {"1": ms(1300, 2500)}, WINDOW) == pytest.approx(1.0)


def test_short_bursts_that_wait_long_for_a_core_stay_a_small_share():
    # A console thread printing 100 times a second: 24 ms of CPU; its 300 ms of waiting for a core
    # kept it runnable (state R) 40% of the window, which the old sampler counted as busy.
    assert busy_share({"1": ms(50, 10)}, {"1": ms(74, 310)}, WINDOW) == pytest.approx(24 / 500)


def test_the_same_server_measures_the_same_on_a_free_and_on_a_loaded_machine():
    free = busy_share({"1": ms(0, 0)}, {"1": ms(200, 0)}, WINDOW)
    loaded = busy_share({"1": ms(0, 0)}, {"1": ms(100, 400)}, WINDOW)
    assert free == loaded == pytest.approx(0.25)


def test_a_blocked_server_is_idle():
    threads = {"1": ms(40, 5), "2": ms(3, 1)}
    assert busy_share(threads, dict(threads), WINDOW) == 0.0


def test_threads_add_up_each_over_its_own_waits_and_the_sum_stops_at_one():
    # Two threads waking on timers: their waits overlap and add up to more than the window, which
    # a sum of waits over the process would read as "it waited all the time".
    before = {"1": ms(0, 0), "2": ms(0, 0)}
    after = {"1": ms(8, 500), "2": ms(12, 500)}
    assert busy_share(before, after, WINDOW) == pytest.approx(8 / 300 + 12 / 300)
    spinning = {"1": ms(800, 0), "2": ms(800, 0)}   # two loops on two free cores
    assert busy_share(before, spinning, WINDOW) == 1.0


def test_a_thread_started_in_the_window_counts_from_its_start_and_one_that_ended_not_at_all():
    assert busy_share({"1": ms(5, 0)}, {"1": ms(5, 0), "9": ms(600, 0)}, WINDOW) == pytest.approx(0.75)
    assert busy_share({"1": ms(5, 0), "9": ms(600, 0)}, {"1": ms(5, 0)}, WINDOW) == 0.0


def test_a_thread_that_waited_for_a_core_the_whole_window_counts_as_busy():
    # Its wait began before the window and is counted when it ends: more than the window.
    assert busy_share({"1": ms(100, 0)}, {"1": ms(102, 850)}, WINDOW) == 1.0


def test_a_window_ended_early_counts_its_rest_as_idle():
    # 150 ms of CPU in 300 ms, then stuck: over the 800 ms window that is less than a fifth.
    assert busy_share({"1": ms(0, 0)}, {"1": ms(150, 0)}, WINDOW) == pytest.approx(150 / 800)
