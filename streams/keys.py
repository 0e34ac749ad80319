"""The grammar of every key the worker writes to a topic or a table, formatted and parsed here
and nowhere else.

    batch key   soc:3            a source partition: batch-topic messages, its progress record
    shard key   soc:3#17         one state shard of that source partition
    delta key   soc:3#17~5       one delta slot of a shard's journal
    seen key    soc:3#17/812     the event ids a shard applied from the batch at source offset 812

Every key starts with its batch key, so each names the source partition that owns it: the
state tables put a key on the changelog partition of that source partition (streams.tables).
"""

from __future__ import annotations

from dataclasses import dataclass

SHARD_SEP = b"#"
DELTA_SEP = b"~"
SEEN_SEP = b"/"
SOURCE_SEP = b":"


def batch_key(source: str, partition: int) -> bytes:
    """Message key of one source partition's batches, and its progress record's table key."""
    return b"%s%s%d" % (source.encode(), SOURCE_SEP, partition)


def shard_key(batch_key: bytes, shard: int) -> bytes:
    """Table key of one state shard of a source partition: ``soc:3#17``."""
    return b"%s%s%d" % (batch_key, SHARD_SEP, shard)


def delta_key(shard_key: bytes, slot: int) -> bytes:
    """Journal-table key of one delta slot of a state shard: ``soc:3#17~5``."""
    return b"%s%s%d" % (shard_key, DELTA_SEP, slot)


def seen_key(shard_key: bytes, batch_start: int) -> bytes:
    """Seen-table key of the ids a shard applied from the batch at ``batch_start``."""
    return b"%s%s%d" % (shard_key, SEEN_SEP, batch_start)


def seen_prefix(shard_key: bytes) -> bytes:
    """What every seen key of the shard starts with."""
    return shard_key + SEEN_SEP


def shards_prefix(batch_key: bytes) -> bytes:
    """What every shard key of the source partition starts with."""
    return batch_key + SHARD_SEP


def is_shard_key(key: bytes) -> bool:
    """State-table keys are shards (``soc:3#17``) or a partition's progress (``soc:3``)."""
    return SHARD_SEP in key


def shard_number(batch_key: bytes, key: bytes) -> int | None:
    """The shard a state-table key of ``batch_key`` names; None for another partition's key."""
    prefix = shards_prefix(batch_key)
    return int(key[len(prefix) :]) if key.startswith(prefix) else None


@dataclass(frozen=True, slots=True)
class SourcePartition:
    """The source partition a batch, shard, delta or seen key belongs to."""

    source: str
    partition: int

    @classmethod
    def of(cls, key: bytes) -> SourcePartition:
        head = key.split(SHARD_SEP, 1)[0]
        source, partition = head.rsplit(SOURCE_SEP, 1)
        return cls(source.decode(), int(partition))


def batch_key_of(key: bytes) -> bytes:
    """The batch key a shard, delta or seen key starts with: ``soc:3#17`` -> ``soc:3``."""
    return key.split(SHARD_SEP, 1)[0]


def source_partition_of_key(key: bytes) -> str:
    """The source partition of a batch, shard or seen key (``soc:3``, ``soc:3#17``...): ``3``."""
    return str(SourcePartition.of(key).partition)


def batch_partition(source_partition: int, partitions: int) -> int:
    """Batches of a source partition always go to the same internal partition."""
    return source_partition % partitions


def partition_of_key(key: bytes, partitions: int) -> int:
    """The internal partition of a batch, shard or seen key (``soc:3``, ``soc:3#17``...)."""
    return batch_partition(SourcePartition.of(key).partition, partitions)
