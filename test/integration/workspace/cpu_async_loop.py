# cpu-bound-in-async: an arithmetic loop inside async def with no await holds the event loop.
import asyncio


async def checksum(n):
    total = 0
    for i in range(n):
        total += i * i % 13
    return total


async def heartbeat():
    await asyncio.sleep(0)
    return "beat"


async def main():
    print(await asyncio.gather(checksum(100_000), heartbeat()))


if __name__ == "__main__":
    asyncio.run(main())
