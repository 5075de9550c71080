"""CPU-bound work submitted to a ThreadPoolExecutor gets no speed-up.

Bug: `count_primes` is pure-Python number crunching. With the GIL (any CPython that is
not free-threaded), the four threads take turns, so the pool is no faster than a loop.
Use `ProcessPoolExecutor` for CPU-bound work.

Run: python3 cpu_in_thread_pool.py
"""
import time
from concurrent.futures import ThreadPoolExecutor


def count_primes(limit: int) -> int:
    count = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            count += 1
    return count


def main() -> None:
    limits = [60_000] * 4
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(count_primes, limits))
    print(counts, f"threads: {time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    counts = [count_primes(limit) for limit in limits]
    print(counts, f"plain loop: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
