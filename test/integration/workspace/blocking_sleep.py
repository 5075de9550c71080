import asyncio
import time


async def tick(name):
    time.sleep(0.2)
    return name


async def main():
    print(await asyncio.gather(tick("a"), tick("b")))


if __name__ == "__main__":
    asyncio.run(main())
