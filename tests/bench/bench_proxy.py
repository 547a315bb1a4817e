"""What the proxy costs: latency added over calling the fake upstream directly, time to first streamed byte
added, and 200 concurrent streams with the daemon's resident memory; for chat completions and, beside them in
the same run, Anthropic Messages (passed through to an Anthropic-kind fake, with the context injected, and
translated for the OpenAI-compatible fake), the Responses API (passed through, injected, translated to chat
completions) and embeddings.

The daemon runs as a real `contextstack serve` process (uvloop + httptools), the fake upstreams as other
processes; requests to the upstream and to the proxy alternate so that drift on the machine hits both alike.

With `--recording`, it measures instead what recording costs the answer (docs/proxy.md#recording): the same
daemon answers each request twice, once with `X-Contextstack-Record: off` and once `on`, in alternating order, as a
stateless client's growing conversations (history resent whole) for chat completions whole and streamed, Messages
and the Responses API.

    python tests/bench/bench_proxy.py [--requests 3000] [--recording]
    python tests/bench/bench_proxy.py --only-bursts [--bursts 60] [--trees /work/wt-base,.]
    pytest tests/bench/bench_proxy.py -s

Bursts: rounds of 32 concurrent non-streamed chat completions (aiohttp, one connection each, kept alive), sent to
the upstream directly, through `/p/bench/v1` (the project's context injected, cached), through `/v1` with the
project in `X-Contextstack-Project`, and through `/v1` without a project; each round starts with another path, so
that none always follows the direct burst. With `--trees`, a daemon runs from each source tree at once and every
round sends each tree's three bursts, so the trees are compared under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "server")]

import httpx  # noqa: E402

from tests.conftest import Daemon, free_port, start_daemon, stop_daemon  # noqa: E402

MESSAGES = [
    {"role": "system", "content": "You are a careful assistant."},
    {"role": "user", "content": "Summarise the plan for the next release in three bullet points."},
]


ANTHROPIC = {"anthropic-version": "2023-06-01"}


@contextmanager
def fake_upstream(module: str = "tests.fakes.openai_upstream") -> Iterator[tuple[str, int]]:
    """A fake upstream in its own process; its API base URL and process id."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "server")])},
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/models", timeout=1, headers=ANTHROPIC)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fake upstream did not start") from None
                time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def proxy_daemon(
    upstream: str, anthropic: str, workdir: Path, log_level: str, tree: Path | None = None
) -> Iterator[Daemon]:
    """A daemon over the fakes; from `tree`'s sources if given (a worktree of another commit), else this one's."""
    config = workdir / "config.toml"
    config.write_text(
        f'default_model = "fake/fake-small"\n[providers.fake]\nbase_url = "{upstream}"\n'
        f'[providers.claude]\nkind = "anthropic"\nbase_url = "{anthropic}"\n' + responses_providers(upstream)
    )
    env = {"CONTEXTSTACK_CONFIG": str(config)}
    if tree is not None:
        env["PYTHONPATH"] = str(tree / "server")
    daemon = start_daemon(workdir, env=env, args=("--log-level", log_level))
    try:
        yield daemon
    finally:
        stop_daemon(daemon)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def measure(
    requests: int, direct: Callable[[], float], proxied: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """Alternate direct and proxied calls; each returns its time in seconds."""
    for _ in range(max(200, requests // 10)):
        direct()
        proxied()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(requests):
        times[0].append(direct())
        times[1].append(proxied())
    return times


def report(name: str, direct: list[float], proxied: list[float]) -> dict[str, float]:
    figures = {
        "direct_p50": percentile(direct, 0.5) * 1000,
        "direct_p99": percentile(direct, 0.99) * 1000,
        "proxy_p50": percentile(proxied, 0.5) * 1000,
        "proxy_p99": percentile(proxied, 0.99) * 1000,
    }
    figures["added_p50"] = figures["proxy_p50"] - figures["direct_p50"]
    figures["added_p99"] = figures["proxy_p99"] - figures["direct_p99"]
    print(
        f"{name:<32} direct p50 {figures['direct_p50']:6.2f} ms  p99 {figures['direct_p99']:6.2f} ms | "
        f"proxy p50 {figures['proxy_p50']:6.2f} ms  p99 {figures['proxy_p99']:6.2f} ms | "
        f"added p50 {figures['added_p50']:5.2f} ms  p99 {figures['added_p99']:5.2f} ms"
    )
    return figures


def messages(question: str) -> list[dict[str, str]]:
    return [MESSAGES[0], {"role": "user", "content": question}]


def completion_latency(
    upstream: str, proxy: str, requests: int, headers: dict[str, str], questions: Iterator[str]
) -> tuple[list[float], list[float]]:
    with httpx.Client() as client:

        def call(url: str, model: str, extra: dict[str, str]) -> float:
            body = {"model": model, "messages": messages(next(questions))}
            started = time.perf_counter()
            response = client.post(url, json=body, headers=extra)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            return elapsed

        return measure(
            requests,
            lambda: call(upstream + "/chat/completions", "fake-small", {}),
            lambda: call(proxy + "/v1/chat/completions", "fake/fake-small", headers),
        )


def messages_latency(
    direct_url: str, direct_body: dict[str, Any], proxy: str, model: str, headers: dict[str, str]
) -> Callable[[int], tuple[list[float], list[float]]]:
    """Anthropic Messages through the proxy against the same answer straight from an upstream."""
    body = {"model": model, "max_tokens": 256, "system": MESSAGES[0]["content"], "messages": MESSAGES[1:]}

    def run(requests: int) -> tuple[list[float], list[float]]:
        with httpx.Client() as client:

            def call(url: str, payload: dict[str, Any], extra: dict[str, str]) -> float:
                started = time.perf_counter()
                response = client.post(url, json=payload, headers=extra)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.text
                return elapsed

            return measure(
                requests,
                lambda: call(direct_url, direct_body, ANTHROPIC),
                lambda: call(proxy + "/v1/messages", body, {**ANTHROPIC, **headers}),
            )

    return run


def first_byte_latency(
    upstream: str, proxy: str, requests: int, headers: dict[str, str]
) -> tuple[list[float], list[float]]:
    body = {"messages": MESSAGES, "stream": True}
    with httpx.Client() as client:

        def call(url: str, model: str, extra: dict[str, str]) -> float:
            started = time.perf_counter()
            with client.stream("POST", url, json={**body, "model": model}, headers=extra) as response:
                chunks = response.iter_raw()
                first = next(chunks)
                elapsed = time.perf_counter() - started
                assert first.startswith(b"data: ")
                for _ in chunks:
                    pass
            return elapsed

        return measure(
            requests,
            lambda: call(upstream + "/chat/completions", "fake-small", {}),
            lambda: call(proxy + "/v1/chat/completions", "fake/fake-small", headers),
        )


def responses_providers(upstream: str) -> str:
    """The fake upstream again: once as a server of the Responses API, once as a server of chat completions only."""
    return (
        f'[providers.fakeresponses]\nbase_url = "{upstream}"\nresponses = true\n'
        f'[providers.fakechat]\nbase_url = "{upstream}"\nresponses = false\n'
    )


def responses_input(question: str) -> list[dict[str, str]]:
    return [{"role": "developer", "content": MESSAGES[0]["content"]}, {"role": "user", "content": question}]


def responses_latency(
    upstream: str, proxy: str, requests: int, headers: dict[str, str], *, translated: bool
) -> tuple[list[float], list[float]]:
    """POST /v1/responses through the proxy, beside the upstream endpoint the proxy calls for it.

    Passed through, that is the upstream's own /responses; translated, its /chat/completions.
    """
    with httpx.Client() as client:

        def call(url: str, body: dict[str, object], extra: dict[str, str]) -> float:
            started = time.perf_counter()
            response = client.post(url, json=body, headers=extra)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            return elapsed

        items = {"input": responses_input(SAME_QUESTION)}
        direct: tuple[str, dict[str, object]] = (
            ("/chat/completions", {"model": "fake-small", "messages": messages(SAME_QUESTION)})
            if translated
            else ("/responses", {"model": "fake-small", **items})
        )
        model = "fakechat/fake-small" if translated else "fakeresponses/fake-small"
        return measure(
            requests,
            lambda: call(upstream + direct[0], direct[1], {}),
            lambda: call(proxy + "/v1/responses", {"model": model, **items}, headers),
        )


def embeddings_latency(upstream: str, proxy: str, requests: int) -> tuple[list[float], list[float]]:
    """POST /v1/embeddings through the proxy, beside the upstream's own."""
    body = {"input": ["The checkout keeps its state in SQLite.", "Payments report through events."]}
    with httpx.Client() as client:

        def call(url: str, model: str) -> float:
            started = time.perf_counter()
            response = client.post(url, json={**body, "model": model})
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            return elapsed

        return measure(
            requests,
            lambda: call(upstream + "/embeddings", "fake-embed"),
            lambda: call(proxy + "/v1/embeddings", "fake/fake-embed"),
        )


def responses_scenarios(
    upstream: str, proxy: str, requests: int, same: int
) -> list[tuple[str, str, Callable[[], tuple[list[float], list[float]]]]]:
    """The Responses API and embeddings scenarios, to run beside chat completions'."""
    return [
        (
            "responses",
            "responses, passed through",
            lambda: responses_latency(upstream, proxy, requests, {}, translated=False),
        ),
        (
            "responses_injected",
            f"responses, {same} tokens injected",
            lambda: responses_latency(upstream, proxy, requests, PROJECT, translated=False),
        ),
        (
            "responses_translated",
            "responses, translated",
            lambda: responses_latency(upstream, proxy, requests, {}, translated=True),
        ),
        (
            "responses_translated_injected",
            "responses, translated, injected",
            lambda: responses_latency(upstream, proxy, requests, PROJECT, translated=True),
        ),
        ("embeddings", "embeddings", lambda: embeddings_latency(upstream, proxy, requests)),
    ]


def dialects_side_by_side(upstream: str, proxy: str, requests: int) -> dict[str, float]:
    """Each path's added latency measured in one loop, each round calling every path once (in a rotating order),
    so that the machine's drift hits them all alike; each new path's added p50 beside chat completions'."""
    items = {"input": responses_input(SAME_QUESTION)}
    chat_body = {"model": "fake-small", "messages": messages(SAME_QUESTION)}
    embed_body = {"model": "fake-embed", "input": ["The checkout keeps its state in SQLite.", "Payments report."]}
    paths: list[tuple[str, str, tuple[str, dict[str, object]], tuple[str, dict[str, object]], dict[str, str]]] = [
        (
            "chat",
            "chat completions",
            ("/chat/completions", chat_body),
            ("/v1/chat/completions", {**chat_body, "model": "fake/fake-small"}),
            {},
        ),
        (
            "chat_injected",
            "chat completions, injected",
            ("/chat/completions", chat_body),
            ("/v1/chat/completions", {**chat_body, "model": "fake/fake-small"}),
            PROJECT,
        ),
        (
            "responses",
            "responses, passed through",
            ("/responses", {"model": "fake-small", **items}),
            ("/v1/responses", {"model": "fakeresponses/fake-small", **items}),
            {},
        ),
        (
            "responses_injected",
            "responses, injected",
            ("/responses", {"model": "fake-small", **items}),
            ("/v1/responses", {"model": "fakeresponses/fake-small", **items}),
            PROJECT,
        ),
        (
            "translated",
            "responses, translated",
            ("/chat/completions", chat_body),
            ("/v1/responses", {"model": "fakechat/fake-small", **items}),
            {},
        ),
        (
            "translated_injected",
            "responses, translated, injected",
            ("/chat/completions", chat_body),
            ("/v1/responses", {"model": "fakechat/fake-small", **items}),
            PROJECT,
        ),
        (
            "embeddings",
            "embeddings",
            ("/embeddings", embed_body),
            ("/v1/embeddings", {**embed_body, "model": "fake/fake-embed"}),
            {},
        ),
    ]
    times: dict[str, tuple[list[float], list[float]]] = {key: ([], []) for key, *_ in paths}
    with httpx.Client() as client:

        def call(url: str, body: dict[str, object], extra: dict[str, str]) -> float:
            started = time.perf_counter()
            response = client.post(url, json=body, headers=extra)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            return elapsed

        warm_up = max(200, requests // 10)
        for round in range(warm_up + requests):
            shift = round % len(paths)
            for key, _, direct, proxied, headers in paths[shift:] + paths[:shift]:
                pair = (call(upstream + direct[0], direct[1], {}), call(proxy + proxied[0], proxied[1], headers))
                if round >= warm_up:
                    times[key][0].append(pair[0])
                    times[key][1].append(pair[1])
    print(f"side by side, {requests} rounds of every path (after warm-up):")
    figures: dict[str, float] = {}
    added: dict[str, float] = {}
    for key, name, *_ in paths:
        result = report(name, *times[key])
        added[key] = result["added_p50"]
        figures.update({f"side_{key}_{field}": value for field, value in result.items()})
    for key, baseline in (
        ("responses", "chat"),
        ("responses_injected", "chat_injected"),
        ("translated", "chat"),
        ("translated_injected", "chat_injected"),
        ("embeddings", "chat"),
    ):
        figures[f"side_{key}_over_{baseline}"] = added[key] - added[baseline]
        print(f"{'':<32} {key} added p50 over {baseline}'s: {added[key] - added[baseline]:+.2f} ms")
    return figures


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


TOPICS = ["checkout", "catalogue", "cart", "payments", "search", "accounts", "emails", "admin", "stock", "tax"]


def create_project(proxy: str) -> None:
    """A project with a page of instructions and 60 knowledge entries, as a working project might have."""
    project = {
        "name": "Benchmark",
        "slug": "bench",
        "description": "A web shop: catalogue, cart, checkout and the admin screens around them. " * 8,
        "instructions": "Answer in British English. Prefer small, reviewed changes with tests. " * 12,
    }
    assert httpx.post(proxy + "/api/projects", json=project).status_code == 201
    items = [
        {
            "kind": ("decision", "convention", "constraint")[i % 3],
            "title": f"How {TOPICS[i % 10]} works, part {i}",
            "body": f"The {TOPICS[i % 10]} module keeps its state in SQLite and reports through events. " * 3,
            "project": "bench",
        }
        for i in range(60)
    ]
    assert httpx.post(proxy + "/api/knowledge/bulk", json={"items": items}).status_code == 201


def context_tokens(proxy: str, question: str) -> int:
    response = httpx.post(
        proxy + "/v1/chat/completions",
        json={"model": "fake/fake-small", "messages": messages(question)},
        headers=PROJECT,
    )
    return int(response.headers["x-contextstack-context-tokens"])


def resident_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def concurrent_streams(proxy: str, count: int, event_delay: float) -> tuple[int, int, float]:
    """`count` streams open at once, each pausing `event_delay` between its events; (completed, failed, seconds)."""
    body = {"model": "fake/fake-small", "messages": MESSAGES, "stream": True, "fake_event_delay": event_delay}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one() -> bool:
            async with client.stream("POST", proxy + "/v1/chat/completions", json=body) as response:
                raw = await response.aread()
            return response.status_code == 200 and raw.endswith(b"data: [DONE]\n\n") and b'"error"' not in raw

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
        elapsed = time.perf_counter() - started
    completed = sum(result is True for result in results)
    return completed, count - completed, elapsed


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


PROJECT = {"X-Contextstack-Project": "bench"}
SAME_QUESTION = MESSAGES[1]["content"]


def fresh_questions() -> Iterator[str]:
    """A question never asked before, each time: the assembled context cannot come from the cache."""
    for n in itertools.count():
        yield f"How should {TOPICS[n % 10]} handle case {n}?"


def run(requests: int, streams: int, log_level: str = "info", *, reverse: bool = False) -> dict[str, float]:
    print(f"machine: {machine()}; daemon log level {log_level}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"{requests} sequential requests per path (after warm-up), alternating direct and proxied")
    figures: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as workdir,
        fake_upstream() as (upstream, _),
        fake_upstream("tests.fakes.anthropic_upstream") as (anthropic, _),
        proxy_daemon(upstream, anthropic, Path(workdir), log_level) as daemon,
    ):
        pid = daemon.process.pid
        idle_rss, _ = resident_mb(pid)
        create_project(daemon.url)
        same, fresh = context_tokens(daemon.url, SAME_QUESTION), context_tokens(daemon.url, "How is tax handled?")
        # What the upstream gets straight from the client, the same request as the proxy sends on.
        claude_body = {
            "model": "claude-fake-1",
            "max_tokens": 256,
            "system": MESSAGES[0]["content"],
            "messages": MESSAGES[1:],
        }
        chat_body = {"model": "fake-small", "max_tokens": 256, "messages": MESSAGES}
        scenarios: list[tuple[str, str, Callable[[], tuple[list[float], list[float]]]]] = [
            (
                "completion",
                "no project",
                lambda: completion_latency(upstream, daemon.url, requests, {}, repeat(SAME_QUESTION)),
            ),
            (
                "injected",
                f"{same} tokens injected, cached",
                lambda: completion_latency(upstream, daemon.url, requests, PROJECT, repeat(SAME_QUESTION)),
            ),
            (
                "injected_fresh",
                f"~{fresh} tokens, new question",
                lambda: completion_latency(upstream, daemon.url, requests, PROJECT, fresh_questions()),
            ),
            (
                "messages",
                "messages, passed through",
                lambda: messages_latency(anthropic + "/messages", claude_body, daemon.url, "claude/claude-fake-1", {})(
                    requests
                ),
            ),
            (
                "messages_injected",
                f"messages, {same} tokens injected",
                lambda: messages_latency(
                    anthropic + "/messages", claude_body, daemon.url, "claude/claude-fake-1", PROJECT
                )(requests),
            ),
            (
                "messages_translated",
                "messages, translated",
                lambda: messages_latency(upstream + "/chat/completions", chat_body, daemon.url, "fake/fake-small", {})(
                    requests
                ),
            ),
            ("ttfb", "stream TTFB, no project", lambda: first_byte_latency(upstream, daemon.url, requests, {})),
            (
                "ttfb_injected",
                "stream TTFB, injected",
                lambda: first_byte_latency(upstream, daemon.url, requests, PROJECT),
            ),
            *responses_scenarios(upstream, daemon.url, requests, same),
        ]
        for key, name, scenario in reversed(scenarios) if reverse else scenarios:
            cpu = cpu_seconds(pid)
            result = report(name, *scenario())
            result["daemon_cpu"] = (cpu_seconds(pid) - cpu) / (requests + max(200, requests // 10)) * 1000
            print(f"{'':<32} daemon CPU per proxied request {result['daemon_cpu']:.2f} ms")
            figures.update({f"{key}_{name}": value for name, value in result.items()})
        figures.update(dialects_side_by_side(upstream, daemon.url, requests))
        completed, failed, seconds = asyncio.run(concurrent_streams(daemon.url, streams, 0.05))
        rss, peak = resident_mb(pid)
        print(
            f"{streams} concurrent streams (9 events, 50 ms apart): {completed} completed, {failed} failed in "
            f"{seconds:.2f} s; daemon RSS idle {idle_rss:.0f} MB, after {rss:.0f} MB, peak {peak:.0f} MB"
        )
        figures.update(streams_completed=completed, streams_failed=failed, rss_idle_mb=idle_rss, rss_peak_mb=peak)
        for key, against in (("messages", "completion"), ("messages_injected", "injected")):
            print(
                f"{key}: added p50 {figures[key + '_added_p50'] - figures[against + '_added_p50']:+.2f} ms "
                f"beside {against}'s (target within 0.3 ms)"
            )
        print(
            "messages_translated: added p50 "
            f"{figures['messages_translated_added_p50'] - figures['completion_added_p50']:+.2f} ms beside "
            "completion's (target within 0.6 ms)"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return figures


BURST_PATHS = (
    ("/p/bench/v1", {}, "/p/bench/v1"),
    ("/v1", PROJECT, "/v1 + project header"),
    ("/v1", {}, "/v1, no project"),
)


async def burst_latency(upstream: str, proxies: list[str], bursts: int, size: int) -> list[list[float]]:
    """`bursts` rounds of `size` requests at once to each path in turn: direct, then each proxy's three paths."""
    import aiohttp

    paths: list[tuple[str, str, dict[str, str]]] = [(upstream + "/chat/completions", "fake-small", {})]
    for proxy in proxies:
        paths += [(proxy + base + "/chat/completions", "fake/fake-small", headers) for base, headers, _ in BURST_PATHS]
    times: list[list[float]] = [[] for _ in paths]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str, model: str, headers: dict[str, str]) -> float:
            body = {"model": model, "messages": MESSAGES}
            started = time.perf_counter()
            async with session.post(url, json=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, await response.text()
            return time.perf_counter() - started

        warmup = max(5, bursts // 10)  # the first rounds open the connections and warm up
        for round in range(bursts + warmup):
            # Each round starts with a different path: the burst that follows a pause of the daemon (while another
            # burst ran) is slower, whichever path it is, and must not always be the same one.
            order = [*range(round % len(paths), len(paths)), *range(round % len(paths))]
            for index in order:
                url, model, headers = paths[index]
                results = await asyncio.gather(*(one(url, model, headers) for _ in range(size)))
                if round >= warmup:
                    times[index].extend(results)
    return times


def run_bursts(trees: list[Path | None], bursts: int, log_level: str = "info", size: int = 32) -> dict[str, float]:
    """The burst figures of a daemon from each tree (None: this one), all running at once."""
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"{bursts} rounds of bursts of {size} concurrent non-streamed requests per path, each round in another order")
    figures: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        upstream, _ = stack.enter_context(fake_upstream())
        anthropic, _ = stack.enter_context(fake_upstream("tests.fakes.anthropic_upstream"))
        daemons: list[Daemon] = []
        for tree in trees:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            daemons.append(stack.enter_context(proxy_daemon(upstream, anthropic, workdir, log_level, tree)))
            create_project(daemons[-1].url)
            print(f"daemon from {tree or 'this tree'}: pid {daemons[-1].process.pid}, {daemons[-1].url}", flush=True)
        samples = asyncio.run(burst_latency(upstream, [daemon.url for daemon in daemons], bursts, size))
        direct = samples[0]
        for number, tree in enumerate(trees):
            label = "this tree" if tree is None else str(tree)
            print(f"daemon from {label}:")
            for offset, (_, _, name) in enumerate(BURST_PATHS):
                result = report(f"burst of {size}, {name}", direct, samples[1 + number * len(BURST_PATHS) + offset])
                figures.update({f"tree{number}_burst_{offset}_{key}": value for key, value in result.items()})


TURNS = 10  # a recorded conversation's length in the recording benchmark: then a new one starts


def conversation_turn(n: int, dialect: str) -> dict[str, Any]:
    """Turn n % TURNS of conversation n // TURNS, its whole history resent, in a dialect's body."""
    conversation, turn = divmod(n, TURNS)
    history: list[dict[str, Any]] = []
    for earlier in range(turn + 1):
        history.append({"role": "user", "content": f"Conversation {conversation}: how does {TOPICS[earlier]} work?"})
        if earlier < turn:
            history.append({"role": "assistant", "content": "Hello from the fake upstream."})
    if dialect == "messages":
        return {
            "model": "claude/claude-fake-1",
            "max_tokens": 256,
            "system": MESSAGES[0]["content"],
            "messages": history,
        }
    if dialect == "responses":
        return {"model": "fake/fake-small", "instructions": MESSAGES[0]["content"], "input": history}
    body: dict[str, Any] = {"model": "fake/fake-small", "messages": [MESSAGES[0], *history]}
    return body | ({"stream": True} if dialect == "stream" else {})


def recording_side_by_side(proxy: str, requests: int) -> dict[str, float]:
    """Each request with recording off and on, alternating which goes first; p50 and p99 of each, and the gap."""
    paths = {"chat": "/v1/chat/completions", "stream": "/v1/chat/completions", "messages": "/v1/messages"}
    figures: dict[str, float] = {}
    with httpx.Client(timeout=30) as client:

        def call(dialect: str, body: dict[str, Any], record: str) -> float:
            headers = {**ANTHROPIC, **PROJECT, "X-Contextstack-Record": record}
            started = time.perf_counter()
            with client.stream("POST", proxy + paths.get(dialect, "/v1/responses"), json=body, headers=headers) as r:
                r.read()
            elapsed = time.perf_counter() - started
            assert r.status_code == 200, r.text
            return elapsed

        recorded = 0
        for dialect in ("chat", "stream", "messages", "responses"):
            off: list[float] = []
            on: list[float] = []
            warm_up = max(100, requests // 10)
            for n in range(warm_up + requests):
                body = conversation_turn(n, dialect)
                first, second = ("off", "on") if n % 2 == 0 else ("on", "off")
                times = {first: call(dialect, body, first), second: call(dialect, body, second)}
                if n >= warm_up:
                    off.append(times["off"])
                    on.append(times["on"])
            recorded += warm_up + requests
            result = {
                "off_p50": percentile(off, 0.5) * 1000,
                "off_p99": percentile(off, 0.99) * 1000,
                "on_p50": percentile(on, 0.5) * 1000,
                "on_p99": percentile(on, 0.99) * 1000,
            }
            print(
                f"recording {dialect:<10} off p50 {result['off_p50']:6.2f} ms  p99 {result['off_p99']:6.2f} ms | "
                f"on p50 {result['on_p50']:6.2f} ms  p99 {result['on_p99']:6.2f} ms | "
                f"gap p50 {result['on_p50'] - result['off_p50']:+5.2f} ms  p99 {result['on_p99'] - result['off_p99']:+5.2f} ms"
            )
            figures.update({f"recording_{dialect}_{name}": value for name, value in result.items()})
        deadline = time.monotonic() + 60
        while httpx.get(proxy + "/api/usage").json()["total"]["calls"] < recorded:
            assert time.monotonic() < deadline, "the recordings did not all land"
            time.sleep(0.1)
        listed = httpx.get(proxy + "/api/conversations", params={"limit": 200}).json()["items"]
        print(f"{recorded} exchanges recorded, into {len(listed)}{'+' if len(listed) == 200 else ''} conversations")
    return figures


def run_recording(requests: int, log_level: str = "info") -> dict[str, float]:
    print(f"machine: {machine()}; daemon log level {log_level}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"{requests} requests per dialect (after warm-up), each sent with recording off and on, alternating")
    with (
        tempfile.TemporaryDirectory() as workdir,
        fake_upstream() as (upstream, _),
        fake_upstream("tests.fakes.anthropic_upstream") as (anthropic, _),
        proxy_daemon(upstream, anthropic, Path(workdir), log_level) as daemon,
    ):
        create_project(daemon.url)
        figures = recording_side_by_side(daemon.url, requests)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return figures


def test_proxy_benchmark() -> None:
    run(requests=1000, streams=200)


def test_recording_benchmark() -> None:
    run_recording(requests=300)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--log-level", default="info", help="the daemon's; info logs one line per request")
    parser.add_argument("--reverse", action="store_true", help="run the scenarios last to first (order effects)")
    parser.add_argument("--only-bursts", action="store_true", help="only the bursts of concurrent requests")
    parser.add_argument("--bursts", type=int, default=60, help="rounds of bursts (with --only-bursts)")
    parser.add_argument(
        "--trees", default="", help="comma-separated source trees for --only-bursts, a daemon from each at once"
    )
    parser.add_argument("--recording", action="store_true", help="measure recording on against off, interleaved")
    arguments = parser.parse_args()
    if arguments.only_bursts:
        trees = [Path(tree).resolve() for tree in arguments.trees.split(",")] if arguments.trees else [None]
        run_bursts(list(trees), arguments.bursts, arguments.log_level)
    elif arguments.recording:
        run_recording(arguments.requests, arguments.log_level)
    else:
        run(arguments.requests, arguments.streams, arguments.log_level, reverse=arguments.reverse)
