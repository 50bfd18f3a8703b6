"""The embedded Redis stops with its owner, so no run leaves a redis-server behind."""

import subprocess
import sys

import psutil

OWNER = """
import pathlib, sys
from redis import Redis
from jobs import queues
url = queues.start_embedded_redis(pathlib.Path(sys.argv[1]))
print(queues._embedded.pid, flush=True)
Redis.from_url(url).ping()  # another client is connected, as the queues are
queues.stop_embedded_redis()
"""


def test_stopping_the_embedded_redis_ends_its_server_despite_other_clients(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", OWNER, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[0])
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    proc.wait(timeout=10)  # raises if the server is still running
