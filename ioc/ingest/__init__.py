"""Ingest core: validate raw source messages, dead-letter the bad ones, pack the good ones.

Pure functions over (offset, bytes) records; the Kafka shell lives in ``streams/ingest.py``.
"""

from ioc.ingest.batch import Batch, pack_partition, unpack_batch
from ioc.ingest.validate import DeadLetterReason, EventValidator, Rejected

__all__ = [
    "Batch",
    "DeadLetterReason",
    "EventValidator",
    "Rejected",
    "pack_partition",
    "unpack_batch",
]
