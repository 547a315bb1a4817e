"""Benchmark: what one request to a provider costs the daemon, by HTTP client.

    /work/venv/bin/python tests/bench/bench_upstream_client.py [--requests 3000] [--rounds 2]

The proxy's upstream leg, alone: a keep-alive POST of a ~6 KB chat request and the read of a small JSON
answer, one at a time, under uvloop, against a minimal HTTP/1.1 server (an asyncio protocol in the same
process, so its share is the same for every client). Two clients: httpcore's connection pool, the pure-Python
transport under httpx (h11, anyio) the proxy used before, and the daemon's own `Upstream` (aiohttp, its
parser in C). Prints CPU time and latency per request; asserts nothing about timings.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "server")]

import httpcore  # noqa: E402
import httpx  # noqa: E402
import uvloop  # noqa: E402

from contextstack.providers.models import Target  # noqa: E402
from contextstack.providers.registry import configured_providers  # noqa: E402
from contextstack.providers.upstream import Upstream, read_body, upstream_url  # noqa: E402
from contextstack.settings import ProviderConfig, Settings  # noqa: E402

ANSWER = (
    b'{"id":"chatcmpl-1","object":"chat.completion","model":"m","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"Hello there."},"finish_reason":"stop"}]}'
)
RESPONSE = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
    len(ANSWER),
    ANSWER,
)
REQUEST = b'{"model":"m","messages":[{"role":"user","content":"' + b"word " * 1200 + b'"}]}'


class Server(asyncio.Protocol):
    """Answers every request on a connection with RESPONSE, once its body is in."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport  # uvloop's transports are not asyncio.Transport subclasses
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(RESPONSE)


async def measure(name: str, call: Callable[[], Awaitable[None]], requests: int) -> None:
    for _ in range(max(200, requests // 10)):
        await call()
    times: list[float] = []
    cpu = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    cpu_ms = (time.process_time() - cpu) / requests * 1000
    times.sort()
    p50, p99 = times[len(times) // 2] * 1000, times[int(len(times) * 0.99)] * 1000
    print(f"{name:<34} CPU {cpu_ms:.3f} ms/request   p50 {p50:.3f} ms   p99 {p99:.3f} ms")


async def main(requests: int, rounds: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Server, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}/v1"

    pool = httpcore.AsyncConnectionPool(max_keepalive_connections=64, keepalive_expiry=60)
    headers = [
        (b"host", f"127.0.0.1:{port}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(REQUEST)).encode()),
    ]
    timeouts = httpx.Timeout(600.0, connect=10.0).as_dict()

    async def with_httpcore() -> None:
        request = httpcore.Request(
            b"POST", base + "/chat/completions", headers=headers, content=REQUEST, extensions={"timeout": timeouts}
        )
        response = await pool.handle_async_request(request)
        await response.aread()
        await response.aclose()

    settings = Settings(providers={"leg": ProviderConfig(base_url=base)})
    upstream = Upstream(configured_providers(settings, {})["leg"], httpx.create_ssl_context(), {})
    url, target = upstream_url(base + "/chat/completions"), Target("leg", "m")

    async def with_upstream() -> None:
        await read_body(target, await upstream.send(target, "POST", url, REQUEST))

    print(
        f"{requests} sequential requests per client and round, {len(REQUEST)} bytes each, Python {sys.version.split()[0]}"
    )
    for _ in range(rounds):
        await measure("httpcore pool (httpx's transport)", with_httpcore, requests)
        await measure("Upstream (aiohttp)", with_upstream, requests)
    await pool.aclose()
    await upstream.aclose()
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    uvloop.run(main(args.requests, args.rounds))
