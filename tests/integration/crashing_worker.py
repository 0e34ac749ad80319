"""A faust worker, run the way `ioc worker` runs one, whose changelog turns out to be
behind its state: faust's ConsistencyError, as after a broker restart on memory storage.
Run as ``python -m tests.integration.crashing_worker BROKER_URL APP_ID WEB_PORT``."""

from __future__ import annotations

import asyncio
import sys

import faust
from faust.exceptions import ConsistencyError

from ioc.runtime.errors import EXIT_BROKER_LOST, BrokerLost
from streams.worker import IocWorker, execute


def main(broker_url: str, app_id: str, web_port: int) -> int:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = faust.App(app_id, broker=broker_url, web_port=web_port, loop=loop)

    @app.task  # type: ignore[untyped-decorator]
    async def recover() -> None:
        raise ConsistencyError(
            "The persisted offset for changelog topic partition TP(topic='x', partition=0) "
            "is higher than the last offset in that topic (highwater) (12 > 3)."
        )

    try:
        execute(IocWorker(app, loglevel="info", loop=loop), broker_url)
    except BrokerLost as exc:  # as ioc.cli.main does
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BROKER_LOST
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
