import threading


def work() -> None:
    print("working")


def main() -> None:
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join()
