"""Which site the bench works on: a database (PERCHOIR_DATABASE_URL) or an embedded var folder.

The same choice configures Django in the bench's own process (to write a dataset, find the
conversations to load, count queries) and the environment of the server it starts.
"""

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Target:
    database_url: str = ""
    var_dir: Path = DEFAULT_VAR_DIR
    redis_url: str = ""

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> "Target":
        return cls(
            database_url=options.database_url,
            var_dir=Path(options.var_dir).resolve(),
            redis_url=options.redis_url,
        )

    def arguments(self) -> list[str]:
        """The command-line options that name this target (for the bench's own subprocesses)."""
        arguments = ["--var-dir", str(self.var_dir)]
        if self.database_url:
            arguments += ["--database-url", self.database_url]
        if self.redis_url:
            arguments += ["--redis-url", self.redis_url]
        return arguments

    def describe(self) -> str:
        database = self.database_url or f"SQLite in {self.var_dir}"
        return database + (f", Redis {self.redis_url}" if self.redis_url else "")

    def environ(self, **extra: str) -> dict[str, str]:
        """The environment of a process serving this site: ours, less any other site's settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PERCHOIR_", "DJANGO_"))}
        env["DJANGO_SETTINGS_MODULE"] = "perchoir.settings"
        env["PERCHOIR_VAR_DIR"] = str(self.var_dir)
        if self.database_url:
            env["PERCHOIR_DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["PERCHOIR_REDIS_URL"] = self.redis_url
        return env | {f"PERCHOIR_{name}": value for name, value in extra.items()}

    def activate(self) -> None:
        """Configure Django in this process for this site, migrated (once, before any model is
        used)."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        for name in [name for name in os.environ if name.startswith("PERCHOIR_")]:
            del os.environ[name]
        os.environ.update(self.environ(BENCH_BASELINE="1"))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PERCHOIR_DATABASE_URL", ""),
        help="PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/perchoir_bench "
        "(default: PERCHOIR_DATABASE_URL, else SQLite in --var-dir)",
    )
    parser.add_argument(
        "--var-dir",
        default=os.environ.get("PERCHOIR_VAR_DIR", str(DEFAULT_VAR_DIR)),
        help="the site's data folder: SQLite database, secret key, mail (default: var/bench)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("PERCHOIR_REDIS_URL", ""),
        help="Redis for the cache and live notifications (default: PERCHOIR_REDIS_URL, else none)",
    )
