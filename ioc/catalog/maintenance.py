"""Declared maintenance, the one definition every part uses: the aggregate, the detector,
the ground truth and (through the ``maintenance`` probe result) the Prometheus rules.

A probe whose event time lies in a window of its service, start included and end excluded,
counts neither for nor against availability (``ioc_uptime_probes_total{result=
"maintenance"}``) and leaves the flap state as it was: failures during the window are not
carried past its end, and a service that was down before it is still down after it until it
recovers. While a window is open, ServiceDown is not raised.
"""

from __future__ import annotations

from collections.abc import Mapping

from ioc.catalog.model import Catalog


class MaintenanceCalendar:
    def __init__(self, windows: Mapping[str, tuple[tuple[float, float], ...]]) -> None:
        self._windows = dict(windows)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> MaintenanceCalendar:
        windows: dict[str, list[tuple[float, float]]] = {}
        for w in catalog.maintenance:
            windows.setdefault(w.service, []).append((w.start.timestamp(), w.end.timestamp()))
        return cls({service: tuple(sorted(spans)) for service, spans in windows.items()})

    def contains(self, service: str, ts: float) -> bool:
        """Whether ``ts`` (POSIX seconds) lies in one of the service's windows."""
        return any(start <= ts < end for start, end in self._windows.get(service, ()))

    def windows(self, service: str) -> tuple[tuple[float, float], ...]:
        return self._windows.get(service, ())
