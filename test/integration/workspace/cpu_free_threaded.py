# cpu-bound-in-thread next to a daemon-after-start bug: with concurrencyLens.python.freeThreaded the
# first goes away and the second stays (so "gone" is never just "not analysed yet").
import threading
from concurrent.futures import ThreadPoolExecutor


def square_sum(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def tick():
    print("tick")


if __name__ == "__main__":
    with ThreadPoolExecutor(max_workers=2) as pool:
        print(list(pool.map(square_sum, [100_000, 100_001])))
    ticker = threading.Thread(target=tick)
    ticker.start()
    ticker.daemon = True
