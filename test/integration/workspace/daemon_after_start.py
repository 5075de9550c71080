import threading
import time


def poll_forever() -> None:
    while True:
        time.sleep(1)


def main() -> None:
    worker = threading.Thread(target=poll_forever)
    worker.start()
    worker.daemon = True
    print("started", worker.name)


if __name__ == "__main__":
    main()
