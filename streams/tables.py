"""State tables whose changelog partition follows the key, not the event being processed.

faust writes a table change to the changelog partition of the event in hand. The aggregator
writes a group of batches' state at once, for several source partitions, and also when a
revocation releases held acks (no event in hand: faust raises). A key written to two
changelog partitions is recovered from whichever is read last, so a stale record could win.
Every state-table key names its source partition (``soc:3``, ``soc:3#17``, ``soc:3#17/812``):
its changelog partition is the batch-topic partition of that source partition, the one whose
owner holds the key.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.keys import partition_of_key


class KeyPartitionedTable(faust.Table[bytes, bytes]):
    def partition_for_key(self, key: Any) -> int:
        return partition_of_key(key, self.partitions or self.app.conf.topic_partitions)


def key_partitioned_table(app: faust.App, name: str, partitions: int) -> Any:
    """A bytes-to-bytes table (raw codec, also for its changelog), registered with ``app``."""
    return app.tables.add(
        KeyPartitionedTable(
            app,
            name=name,
            beacon=app.tables.beacon,
            partitions=partitions,
            key_type=bytes,
            value_type=bytes,
        )
    )
