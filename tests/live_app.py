"""An app served by a real uvicorn on loopback, in a thread with its own event loop, so that many
requests run at once on separate database connections (the test clients run one at a time)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn
from litestar import Litestar

from tests.mail_fixtures import free_port


@contextlib.contextmanager
def serving(app: Litestar) -> Iterator[str]:
    """The app's base URL while it is served; its database pool is closed on the server's loop."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, loop="asyncio", log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    async def run() -> None:
        try:
            await server.serve()
        finally:
            await app.state.db_config.get_engine().dispose()

    def main() -> None:
        try:
            asyncio.run(run())
        except BaseException as error:  # reported by the test, not lost in the thread
            failure.append(error)

    thread = threading.Thread(target=main, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the live server did not start: {failure}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    if failure:
        raise failure[0]
