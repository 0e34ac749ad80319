"""The faust application: the imperative shell around the ``ioc`` core.

- ``ingest``: a faust Service with its own batched aiokafka consumer. It validates, dead-letters
  and packs source events into batches, and commits source offsets after the batches are acked.
- ``agents``: a faust agent applies batches to a Table (changelog-backed, recovered on restart).
- ``web``: ``/metrics`` for Prometheus, exported from the table state.
"""
