"""The reference for HTTP benchmarks: a bare Litestar handler returning a constant."""

from litestar import Litestar, get


@get("/")
async def constant() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([constant])
