"""Aggregation core: the state of one source partition and how a batch changes it."""

from ioc.aggregate.state import PartitionState, apply_batch, merge_states

__all__ = ["PartitionState", "apply_batch", "merge_states"]
