"""Blocking calls inside `async def` freeze the whole event loop.

Bug: `time.sleep()` and `requests.get()` block the thread that runs the loop, so the
three "concurrent" fetches run one after another (about 3 s instead of 1 s) and the
heartbeat stops ticking. Use `await asyncio.sleep()` / an async HTTP client, or
`await asyncio.to_thread(...)` for blocking work.

Run: pip install requests && python3 asyncio_blocking.py
(no network needed: the request goes to a closed local port and fails fast)
"""
import asyncio
import time

import requests


async def fetch(name: str) -> str:
    time.sleep(1)  # blocks the event loop
    try:
        requests.get("http://127.0.0.1:9/status", timeout=0.5)  # blocks the event loop too
    except requests.RequestException:
        pass
    return f"{name}: done"


async def heartbeat() -> None:
    while True:
        print(f"tick {time.monotonic():.1f}")
        await asyncio.sleep(0.25)


async def main() -> None:
    beat = asyncio.create_task(heartbeat())
    started = time.monotonic()
    results = await asyncio.gather(fetch("a"), fetch("b"), fetch("c"))
    beat.cancel()
    print(results, f"took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
