"""Tasks for the worker tests, run by a real `perchoir worker` process."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def slow_effect_task(*, folder: str) -> None:
    """Writes down each attempt, waits for the test's go-ahead (a file named `go`), then has
    its effect: one line in `effects`."""
    base = Path(folder)
    with (base / "attempts").open("a") as attempts:
        attempts.write(f"{os.getpid()}\n")
    while not (base / "go").exists():
        time.sleep(0.05)
    with (base / "effects").open("a") as effects:
        effects.write("done\n")
