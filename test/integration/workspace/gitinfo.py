import subprocess


def git_rev():
    return subprocess.check_output(["git", "rev-parse", "HEAD"]).decode().strip()
