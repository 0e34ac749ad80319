"""Two workers, one detector: the page outlives the worker that raised it (issue 16).

The detector runs where the signals partition is. When that worker dies, the other takes
over from the log: the page stays firing in Alertmanager without being paged again, and it
resolves when the outage ends, delivered by the survivor. Without the takeover the survivor
knew nothing of it and Alertmanager held it until its endsAt ran out (minutes).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from ioc.catalog import Catalog
from ioc.config import Settings
from ioc.runtime.alertmanager import AlertmanagerServer
from ioc.runtime.broker import free_port
from ioc.runtime.worker import WorkerProcess
from tests.integration.test_alerting import AlertKey, alertmanager, history, send, split, wait_for

__all__ = ["alertmanager"]  # the fixture, shared with test_alerting

OUTAGE = {"scenarios": [
    {"kind": "service_outage", "service": "cong-dvc", "start": "2m", "duration": "5m"}
]}  # fmt: skip


def _firing(worker: WorkerProcess) -> float:
    return worker.total("ioc_alerts_firing")


def _wait(condition: object, timeout: float) -> float:
    """Seconds until ``condition()`` held; raises if it did not within ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:g} s")


def test_a_page_outlives_its_detectors_worker_and_resolves_through_the_survivor(
    settings: Settings, catalog: Catalog, alertmanager: AlertmanagerServer, tmp_path: Path
) -> None:
    s = settings.model_copy(update={"alertmanager_url": alertmanager.url})
    with (
        WorkerProcess(s, free_port(), tmp_path / "worker-a.log") as a,
        WorkerProcess(s, free_port(), tmp_path / "worker-b.log") as b,
    ):
        a.wait_ready()
        b.wait_ready()
        start, events = history(settings, catalog, OUTAGE, minutes=45)
        during, after = split(start, events, 5)
        send(settings, during)
        expected: dict[AlertKey, bool] = {("ServiceDown", "so-tttt", "cong-dvc", ""): False}
        assert wait_for(alertmanager, expected) == expected
        owner, survivor = (a, b) if _firing(a) else (b, a)
        assert (_firing(owner), _firing(survivor)) == (1, 0)  # one detector speaks

        owner.signal(signal.SIGKILL)
        took_over = _wait(lambda: _firing(survivor) == 1, timeout=90)
        delivered = _wait(lambda: survivor.total("ioc_alerts_delivered_total") > 0, timeout=90)
        print(
            f"survivor firing {took_over:.1f} s after SIGKILL, delivering {delivered:.1f} s later"
        )
        assert survivor.total("ioc_alerts_fired_total") == 0  # restored, not paged anew
        assert wait_for(alertmanager, expected) == expected

        send(settings, after)
        assert wait_for(alertmanager, {}) == {}
        assert survivor.total("ioc_alerts_resolved_total") == 1
