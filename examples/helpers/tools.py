import subprocess
import sys


def current_revision():
    # Stands in for `git rev-parse HEAD` or any slow tool: a child process that takes a second.
    done = subprocess.run(
        [sys.executable, "-c", "import time; time.sleep(1); print('4f2a9c1')"],
        capture_output=True, text=True, check=True,
    )
    return done.stdout.strip()
