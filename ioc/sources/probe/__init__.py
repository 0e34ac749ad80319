"""`ioc probe`: the province probes its own platforms, as blackbox_exporter and Gatus do.

``schedule`` says when each probe runs, ``outcome`` judges what it saw, ``checks`` does the
network I/O and ``runner`` ties them to the publisher. Only ``checks`` and ``runner`` do I/O.
"""

from ioc.sources.probe.outcome import ProbeOutcome, judge_response, reason_of_exception
from ioc.sources.probe.schedule import Schedule

__all__ = ["ProbeOutcome", "Schedule", "judge_response", "reason_of_exception"]
