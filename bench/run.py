"""Run one load scenario against the site served as in production (see bench/README.md).

    .venv/bin/python -m bench.run read   [--database-url URL | --var-dir DIR] [--seconds 10] ...
    .venv/bin/python -m bench.run growth --small DB --large DB
    .venv/bin/python -m bench.run post   [--seconds 10] [--mentions 20]
    .venv/bin/python -m bench.run live   [--subscribers 1000] [--rate 10] [--seconds 60]
    .venv/bin/python -m bench.run collection [--seconds 10]
    .venv/bin/python -m bench.run scaling [--seconds 10]     # 1 web process vs 2 behind nginx

DB is a PostgreSQL URL or an embedded site's var folder (SQLite). Every request goes to
127.0.0.1, and every run is bounded in time.
"""

import argparse
import resource
from pathlib import Path

from .target import Target, add_target_options


def _target(value: str) -> Target:
    if "://" in value:
        return Target(database_url=value)
    return Target(var_dir=Path(value).resolve())


def _load_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=10, help="of load per page and round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, interleaved per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3, help="seconds per page before")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    scenarios = parser.add_subparsers(dest="scenario", required=True)
    read = scenarios.add_parser("read", help="an anonymous reader's conversation page")
    add_target_options(read)
    _load_options(read)
    growth = scenarios.add_parser("growth", help="the same page on a small and a large dataset")
    growth.add_argument("--small", type=_target, required=True, help="URL or var folder")
    growth.add_argument("--large", type=_target, required=True, help="URL or var folder")
    growth.add_argument("--redis-url", default="")
    _load_options(growth)
    post = scenarios.add_parser("post", help="posting: throughput, and no slow work in requests")
    add_target_options(post)
    post.add_argument("--seconds", type=float, default=10, help="of posting per kind of body")
    post.add_argument("--connections", type=int, default=4)
    post.add_argument("--mentions", type=int, default=20, help="people mentioned in a heavy post")
    post.add_argument("--slow-seconds", type=float, default=5.0,
                      help="how long the fake linked site and mail server wait")  # fmt: skip
    live = scenarios.add_parser("live", help="event-stream subscribers while messages are posted")
    add_target_options(live)
    live.add_argument("--subscribers", type=int, default=1000)
    live.add_argument("--rate", type=float, default=10, help="messages posted per second")
    live.add_argument("--seconds", type=float, default=60, help="of posting")
    live.add_argument("--client-processes", type=int, default=2,
                      help="processes sharing the subscribers")  # fmt: skip
    collection = scenarios.add_parser(
        "collection", help="a collection page of 60 items out of 5,000, and reordering"
    )
    add_target_options(collection)
    _load_options(collection)
    scaling = scenarios.add_parser(
        "scaling", help="the conversation page: one web process, then two behind nginx"
    )
    add_target_options(scaling)
    _load_options(scaling)
    return parser


def _raise_open_files_limit() -> None:
    """A thousand streams need a thousand sockets here and in the server (which inherits this)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main() -> None:
    options = _parser().parse_args()
    _raise_open_files_limit()
    if options.scenario == "read":
        from .pages import read

        read(Target.from_options(options), options)
    elif options.scenario == "growth":
        from dataclasses import replace

        from .pages import growth

        small = replace(options.small, redis_url=options.redis_url)
        large = replace(options.large, redis_url=options.redis_url)
        growth(small, large, options)
    elif options.scenario == "post":
        from .posting import post

        post(Target.from_options(options), options)
    elif options.scenario == "scaling":
        from .scaling import scaling

        scaling(Target.from_options(options), options)
    elif options.scenario == "collection":
        from .collection_page import collection_scenario

        collection_scenario(Target.from_options(options), options)
    else:
        from .live import live

        live(Target.from_options(options), options)


if __name__ == "__main__":
    main()
