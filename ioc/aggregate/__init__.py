"""Aggregation core: the state of one source partition and how a batch changes it."""

from ioc.aggregate.dedup import SeenEvents
from ioc.aggregate.progress import PartitionProgress
from ioc.aggregate.state import Applied, Lookups, PartitionState, apply_batch, merge_states

__all__ = [
    "Applied",
    "Lookups",
    "PartitionProgress",
    "PartitionState",
    "SeenEvents",
    "apply_batch",
    "merge_states",
]
