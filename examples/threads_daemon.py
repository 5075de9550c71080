"""A log shipper thread that should die with the program.

Bug: `daemon` is set after `start()`. CPython raises
"RuntimeError: cannot set daemon status of active thread", main() dies, and the
non-daemon shipper thread keeps the process alive forever (press Ctrl+C).

Run: python3 threads_daemon.py
"""
import queue
import threading

events: "queue.Queue[str]" = queue.Queue()


def ship_forever() -> None:
    while True:
        line = events.get()
        print(f"shipped: {line}")
        events.task_done()


def main() -> None:
    shipper = threading.Thread(target=ship_forever, name="shipper")
    shipper.start()
    shipper.daemon = True

    for i in range(3):
        events.put(f"event {i}")
    events.join()
    print("all events shipped; exiting")


if __name__ == "__main__":
    main()
