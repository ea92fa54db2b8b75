"""Printing figures: the machine they were measured on, tables, and verdicts against targets."""

import datetime
import os
import platform
import statistics

from .load import LoadResult


def machine_line() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{datetime.date.today().isoformat()} · {platform.machine()}, {os.cpu_count()} cores, "
        f"{memory:.0f} GiB · Python {platform.python_version()} · load average {load}"
    )


def combined(results: list[LoadResult]) -> LoadResult:
    """Several rounds of the same page as one: all requests over all seconds, median latencies."""
    return LoadResult(
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p90_ms=statistics.median(r.p90_ms for r in results),
        p95_ms=statistics.median(r.p95_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
    )


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def load_row(name: str, result: LoadResult, baseline: LoadResult | None) -> list[str]:
    ratio = f"{result.rps / baseline.rps:.2f}x" if baseline and baseline.rps else "—"
    return [
        name,
        f"{result.rps:,.1f}",
        f"{result.p50_ms:.1f}",
        f"{result.p90_ms:.1f}",
        f"{result.p95_ms:.1f}",
        f"{result.p99_ms:.1f}",
        str(result.errors),
        ratio,
    ]


LOAD_HEADER = [
    "page", "requests/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "errors", "x baseline"
]  # fmt: skip


def verdict(met: bool, target: str, detail: str) -> str:
    return f"{'MET' if met else 'NOT MET'}: {target} ({detail})"
