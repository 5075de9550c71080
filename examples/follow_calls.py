"""Two requests and a heartbeat share one event loop, and a helper in another file blocks it.

`handle()` awaits nothing slow, but `current_revision()` (helpers/tools.py) runs a child
process and waits for it: meanwhile the heartbeat stops and the second request waits its turn.
Concurrency Lens follows the call into the other file and names the chain.

Run: python3 follow_calls.py
"""
import asyncio
import time

from helpers.tools import current_revision


async def handle(request_id):
    started = time.perf_counter()
    revision = current_revision()
    return f"request {request_id}: {revision} after {time.perf_counter() - started:.1f} s"


async def heartbeat(started):
    for _ in range(4):
        print(f"heartbeat at {time.perf_counter() - started:.2f} s")
        await asyncio.sleep(0.25)


async def main():
    started = time.perf_counter()
    results = await asyncio.gather(handle(1), handle(2), heartbeat(started))
    for line in results[:2]:
        print(line)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
