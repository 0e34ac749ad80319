#!/bin/bash
# Each mutant breaks one ordering of the aggregator (tests/unit/test_aggregator.py must fail
# for each): applied, tested, reverted. Exits 1 if a mutant survives.
set -u
survived=0
tmp=$(mktemp)
cd "$(dirname "$0")/.."
run() { # file python-old python-new label
  cp "$1" "$tmp"
  python3 -c "import sys;p,o,n=sys.argv[1:4];s=open(p).read();assert o in s,(o);open(p,'w').write(s.replace(o,n,1))" "$1" "$2" "$3"
  echo "== mutant: $4"
  if .venv/bin/python -m pytest tests/unit/test_aggregator.py -q --timeout 20 -p no:randomly \
      2>&1 | grep -E "^FAILED|passed|failed" | sed 's/ - .*//' | tee /dev/stderr | grep -q failed
  then :; else survived=1; fi
  cp "$tmp" "$1"
}
run streams/group_writer.py "        await self._deliver()
        for event in group:
            await ack(event)" "        for event in group:
            await ack(event)
        await self._deliver()" "ack before the changelog is delivered"
run streams/group_writer.py "        await self.commit(wait=True)" "        await self.commit()" "a revocation does not wait for the held acks"
run streams/aggregator.py "                if attempt == MAX_APPLY_ATTEMPTS:" "                if attempt >= 1:" "quarantine at the first failure, no retry"
run streams/aggregator.py "        if self.gaps.is_needed(key, batch):
            await self.gaps.repair_patiently(key, batch, where)
        await self.settle" "        await self.settle" "no gap repair before the later batch"
run streams/group_writer.py "            if self._in_flight is not None:
                in_flight, self._in_flight = self._in_flight, None
                await in_flight" "            pass" "a group does not wait for the one in flight"
exit $survived
