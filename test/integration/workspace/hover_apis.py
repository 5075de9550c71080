# Hovers of the integration suite (suite/hover.test.ts).
import threading as th


def poll():
    pass


worker = th.Thread(target=poll, daemon=True)
worker.start()
worker.join()
