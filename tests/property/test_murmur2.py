"""Our word-at-a-time murmur2 is Kafka's: equal to aiokafka's byte-by-byte version (the Java
client's, tests/unit/test_keys.py checks Kafka's own vectors) for any bytes, of every length
remainder and past the precompiled word counts."""

from __future__ import annotations

from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.contracts.keys import murmur2


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=300))
def test_murmur2_is_aiokafkas_for_any_bytes(data: bytes) -> None:
    assert murmur2(data) == aiokafka_murmur2(data)
