"""A person's journey through nginx on the cluster: two web processes, a worker, PostgreSQL with a
streaming replica, Redis and the S3 bucket, all real (deploy/cluster/cluster.py)."""

import subprocess
from urllib.parse import urljoin, urlsplit

import requests

from tests.media.images import image_bytes

from .conftest import (
    CLUSTER_URL,
    WEB_PORTS,
    Person,
    cluster_env,
    process_url,
    sign_up,
    unique,
    until,
)


def test_signing_up_through_nginx_confirms_the_address_from_the_emailed_link(site):
    person = sign_up(unique("newcomer"))
    # Signed in by the confirmation: the home page greets them through nginx.
    home = person.session.get(site + "/", timeout=30)
    assert home.status_code == 200
    assert f"@{person.handle}" in home.text


def bucket_client(**credentials: str):
    """The S3 client of the site's key (or of the given one) and the media bucket's name."""
    import boto3

    env = cluster_env() | credentials
    return boto3.client(
        "s3",
        endpoint_url=env["PERCHOIR_S3_ENDPOINT_URL"],
        aws_access_key_id=env["PERCHOIR_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["PERCHOIR_S3_SECRET_ACCESS_KEY"],
        region_name=env["PERCHOIR_S3_REGION"],
    ), env["PERCHOIR_S3_BUCKET"]


def bucket_key(url: str) -> str:
    """The object behind a media address served by nginx: /media/<name> is media/<name>."""
    path = urlsplit(url).path
    assert path.startswith("/media/"), f"not served through nginx's /media/: {url}"
    return path.removeprefix("/")


def test_an_uploaded_image_is_stored_in_the_bucket_thumbnailed_by_the_worker_and_served(
    camille: Person,
):
    uploaded = camille.api(
        "POST",
        "/me/avatar",
        files={"file": ("me.png", image_bytes("PNG", (640, 480)), "image/png")},
    )
    assert uploaded.status_code == 200, uploaded.text[:300]

    def ready() -> dict[str, object] | None:
        avatar = camille.api("GET", "/me").json()["avatar"]
        return avatar if avatar["status"] == "ready" and avatar["thumbnails"] else None

    avatar = until("thumbnails made by the worker", ready, seconds=60)
    assert isinstance(avatar, dict)
    client, bucket = bucket_client()
    for address in [avatar["url"], *avatar["thumbnails"].values()]:
        url = urljoin(CLUSTER_URL + "/", address)
        assert url.startswith(CLUSTER_URL + "/media/"), url
        client.head_object(Bucket=bucket, Key=bucket_key(url))  # in the bucket
        served = requests.get(url, timeout=30)  # and served back through nginx
        assert served.status_code == 200
        assert served.headers["Content-Type"].startswith("image/")
        assert served.content[:4] in {b"\x89PNG", b"RIFF", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1"}
    # Only reading goes through nginx: nobody writes to the bucket that way.
    refused = requests.put(url, data=b"overwritten", timeout=30)
    assert refused.status_code >= 400
    assert requests.get(url, timeout=30).content == served.content
    # And only media may be read without the site's key: never a member's data export.
    client.put_object(Bucket=bucket, Key="exports/probe.zip", Body=b"private")
    endpoint = cluster_env()["PERCHOIR_S3_ENDPOINT_URL"]
    assert requests.get(f"{endpoint}/{bucket}/exports/probe.zip", timeout=30).status_code == 403


def test_an_upload_over_the_limit_is_refused_by_nginx_before_it_reaches_the_app(camille):
    too_large = b"\0" * (13 * 1024 * 1024)
    answer = camille.api("POST", "/me/avatar", files={"file": ("big.png", too_large, "image/png")})
    assert answer.status_code == 413


def test_a_message_posted_on_either_web_process_reaches_a_subscriber_of_the_other(
    camille, conversation, subscribe
):
    # The subscriber comes through nginx, to one of the two processes; a message is then
    # posted on each process directly, so one of them reaches it from the other.
    stream = subscribe(f"{CLUSTER_URL}/live/conversation:{conversation}/")
    until("the stream's first frame", lambda: stream.frames, seconds=10)
    bodies = {port: unique(f"posted_on_{port}") for port in WEB_PORTS}
    for port, body in bodies.items():
        posted = camille.api(
            "POST",
            f"/conversations/{conversation}/messages",
            base=process_url(port),
            json={"body": body},
        )
        assert posted.status_code == 201, posted.text[:300]
    for port, body in bodies.items():
        until(
            f"the message posted on {port} to reach the subscriber",
            lambda b=body: stream.received(b),
        )


def test_the_search_rate_limit_is_counted_across_both_web_processes(site):
    person = sign_up(unique("searcher"))  # a fresh count
    limit = 30  # PERCHOIR_RATE_LIMIT_EXPENSIVE_READS, the default 30/60
    answers = [
        person.api("GET", "/search?q=perch", base=process_url(WEB_PORTS[i % 2])).status_code
        for i in range(limit + 2)
    ]
    assert answers[:limit] == [200] * limit
    # Each process saw only half of the searches: the count lives in the shared Redis.
    assert answers[limit:] == [429, 429]


def replica_transactions() -> int:
    """Transactions committed on the replica's database, as its own statistics count them."""
    sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = 'perchoir'"
    output = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-p", "5434", "-Atqc", sql],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return int(output.strip() or 0)


def test_anonymous_pages_are_read_from_the_streaming_replica(site, camille, conversation):
    before = replica_transactions()
    for _ in range(10):
        for path in ("/explore/", f"/c/{conversation}/"):
            answer = requests.get(site + path, timeout=30)
            assert answer.status_code == 200
            assert answer.headers["X-Perchoir-Read-From"] == "replica1"
            if path.startswith("/c/"):
                # The replica follows the primary: the conversation just started is there.
                assert "On the cluster" in answer.text
    # And the replica says so itself: every page is at least one transaction there (a backend
    # that stays connected flushes its statistics after 1 to 10 s); this query counts for one.
    until("reads on the replica", lambda: replica_transactions() - before > 20, seconds=20)


def test_who_has_just_written_reads_from_the_primary(camille, conversation):
    body = unique("just_written")
    posted = camille.api("POST", f"/conversations/{conversation}/messages", json={"body": body})
    assert posted.status_code == 201
    read = camille.api("GET", f"/conversations/{conversation}/messages?latest=true")
    assert read.headers["X-Perchoir-Read-From"] == "default"
    assert body in read.text
