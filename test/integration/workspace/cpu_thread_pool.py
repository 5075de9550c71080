# cpu-bound-in-thread: a CPU-bound module-level function on a ThreadPoolExecutor, started under the
# __main__ guard, so the ProcessPoolExecutor quick fix is safe.
import sys
from concurrent.futures import ThreadPoolExecutor


def count_primes(n):
    total = 0
    for i in range(2, n):
        if all(i % d for d in range(2, int(i ** 0.5) + 1)):
            total += 1
    return total


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(count_primes, [n, n + 1]))
    print("result", results)
