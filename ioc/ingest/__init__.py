"""Ingest core: validate raw messages, dead-letter the bad ones, pack the facts of the good ones.

Pure functions over (offset, bytes) records; the Kafka shell lives in ``streams/ingest.py``.
"""

from ioc.ingest.batch import Batch, empty_batch, pack_partition, unpack_batch
from ioc.ingest.facts import Fact, fact_of
from ioc.ingest.validate import DeadLetterReason, EventValidator, Rejected

__all__ = [
    "Batch",
    "DeadLetterReason",
    "EventValidator",
    "Fact",
    "Rejected",
    "empty_batch",
    "fact_of",
    "pack_partition",
    "unpack_batch",
]
