"""Partition keys: all events of one entity land in the same partition.

The contract for producers: key every message with ``partition_key(event)`` (UTF-8) and
partition with Kafka's default partitioner for keyed messages, murmur2, as the Java client
and aiokafka do. librdkafka's default (``consistent_random``, CRC32) puts keys elsewhere: set
``partitioner=murmur2_random`` there. A valid event found in another partition (another
hash, no key, the agent's key on a status change) is forwarded by the ingest to the partition
of its entity and counted in ``ioc_events_rerouted_total``: it is processed, one hop later.
"""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2

from ioc.contracts.events import DossierEvent, Event, SocAlert, SocAlertStatus, UptimeProbe


def partition_key(event: Event) -> str:
    """The entity an event belongs to: the agent for SOC, the service, the dossier."""
    if isinstance(event, SocAlert):
        return event.agent.id
    if isinstance(event, SocAlertStatus):
        return event.agent_id
    if isinstance(event, UptimeProbe):
        return event.service
    if isinstance(event, DossierEvent):
        return event.dossier_id
    raise TypeError(f"not an event: {type(event).__name__}")


# Agents and services repeat all day; a dossier's few events are spread over days.
@lru_cache(maxsize=1 << 16)
def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives ``key`` (murmur2, as in Java)."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions
