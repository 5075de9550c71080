# Correct counterparts: CPU work on a ProcessPoolExecutor, I/O on threads, an async loop that awaits.
import asyncio
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def count_primes(n):
    total = 0
    for i in range(2, n):
        if all(i % d for d in range(2, int(i ** 0.5) + 1)):
            total += 1
    return total


def download(url):
    with urllib.request.urlopen(url) as response:
        return len(response.read())


async def cooperative(n):
    total = 0
    for i in range(n):
        total += i * i
        if i % 1000 == 0:
            await asyncio.sleep(0)
    return total


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as pool:
        print(list(pool.map(count_primes, [20_000, 20_001])))
    with ThreadPoolExecutor(max_workers=4) as pool:
        print(list(pool.map(download, ["https://example.com"] * 2)))
    print(asyncio.run(cooperative(10_000)))
