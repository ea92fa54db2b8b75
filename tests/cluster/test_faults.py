"""Fault drills on the cluster: parts stop while people use the site through nginx, and come
back. Each drill restores what it broke, whatever happens."""

import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from tests.media.images import image_bytes

from .conftest import (
    CLUSTER_DIR,
    CLUSTER_URL,
    Person,
    cluster,
    cluster_env,
    conversation_start,
    messages_of,
    process_url,
    unique,
    until,
)

RETRYABLE = {502, 503, 504}


def post_once(person: Person, conversation: int, body: str, *, tries: int = 40) -> int:
    """Post a message as a careful client does: one Idempotency-Key, sent again until an answer
    comes (a process stopping may cut the first try). How many tries it took."""
    key = str(uuid.uuid4())
    for attempt in range(1, tries + 1):
        try:
            answer = person.api(
                "POST",
                f"/conversations/{conversation}/messages",
                json={"body": body},
                headers={"Idempotency-Key": key},
            )
        except requests.ConnectionError:
            time.sleep(0.3)
            continue
        if answer.status_code in RETRYABLE:
            time.sleep(0.3)
            continue
        assert answer.status_code in {200, 201}, answer.text[:300]
        return attempt
    pytest.fail(f"{body!r} was never accepted")


def bodies_in(person: Person, conversation: int) -> list[str]:
    return [str(message["body"]) for message in messages_of(person, conversation)]


def web_pid(port: int) -> int:
    return int((CLUSTER_DIR / "run" / f"web-{port}.pid").read_text())


def test_stopping_a_web_process_mid_stream_loses_and_duplicates_no_post(dominique):
    # Dominique's own conversation: at most 20 messages a minute each (MESSAGE_POST_LIMIT).
    conversation = conversation_start(dominique)
    bodies = [unique(f"stream_{n}") for n in range(18)]
    reads: list[int] = []
    done = threading.Event()

    def read_meanwhile() -> None:
        while not done.is_set():
            try:
                reads.append(
                    requests.get(f"{CLUSTER_URL}/c/{conversation}/", timeout=30).status_code
                )
            except requests.ConnectionError:
                reads.append(0)
            time.sleep(0.05)

    reader = threading.Thread(target=read_meanwhile)
    reader.start()
    # As `systemctl stop perchoir-web@8101` does: SIGTERM, in-flight requests finish.
    stopping = threading.Thread(target=cluster, args=("stop-web", "8101"))
    try:
        for number, body in enumerate(bodies):
            if number == 5:
                stopping.start()
            if number == 12:
                # The last posts all meet a stopped process in nginx's upstream.
                stopping.join()
                with pytest.raises(requests.ConnectionError):
                    requests.get(process_url(8101) + "/healthz", timeout=5)
            post_once(dominique, conversation, body)
    finally:
        done.set()
        reader.join()
        if stopping.is_alive():
            stopping.join()
        cluster("start-web", "8101")
    posted = bodies_in(dominique, conversation)
    for body in bodies:
        assert posted.count(body) == 1, f"{body}: {posted.count(body)} times"
    # Reads are idempotent: nginx sent each one that met the stopped process to the other.
    assert set(reads) == {200}, sorted(set(reads))


def test_without_redis_pages_work_and_live_updates_fall_back_to_polling(
    camille, conversation, subscribe
):
    stream = subscribe(f"{CLUSTER_URL}/live/conversation:{conversation}/")
    until("the stream's first frame", lambda: stream.frames, seconds=10)
    cluster("stop-redis")
    try:
        for path in ("/", "/explore/", f"/c/{conversation}/", f"/@{camille.handle}"):
            assert requests.get(CLUSTER_URL + path, timeout=30).status_code == 200, path
        during = unique("without_redis")
        assert post_once(camille, conversation, during) == 1
        # Another process's event now comes by polling the database.
        until("an event while Redis is down", lambda: stream.received(during), seconds=15)
        late = subscribe(f"{CLUSTER_URL}/live/conversation:{conversation}/")
        until("a stream opened while Redis is down", lambda: late.frames, seconds=10)
    finally:
        cluster("start-redis")
    after = unique("redis_back")
    post_once(camille, conversation, after)
    until("an event once Redis is back", lambda: stream.received(after), seconds=15)
    assert requests.get(f"{CLUSTER_URL}/readyz", timeout=30).status_code == 200


def test_a_postgresql_primary_restart_fails_requests_cleanly_then_recovers(eloi):
    conversation = conversation_start(eloi)
    pids = {port: web_pid(port) for port in (8101, 8102)}
    cluster("stop-primary")
    try:
        answer = eloi.api(
            "POST", f"/conversations/{conversation}/messages", json={"body": "while down"}
        )
        # A clear, temporary refusal in the API's one error format, not a crash.
        assert answer.status_code == 503, answer.text[:300]
        assert answer.json()["error"]["message"]
        assert "Retry-After" in answer.headers
        page = requests.get(f"{CLUSTER_URL}/@{eloi.handle}", timeout=30)
        assert page.status_code in {200, 503}  # the replica may still answer reads
        if page.status_code == 503:
            assert "<html" in page.text.lower()
    finally:
        cluster("start-primary")
    back = unique("primary_back")
    until(
        "a post once the primary is back",
        lambda: (
            eloi.api(
                "POST", f"/conversations/{conversation}/messages", json={"body": back}
            ).status_code
            == 201
        ),
        seconds=30,
        every=1,
    )
    assert bodies_in(eloi, conversation).count(back) == 1
    assert "while down" not in bodies_in(eloi, conversation)
    # Nobody restarted Perchoir.
    assert {port: web_pid(port) for port in (8101, 8102)} == pids


def test_a_worker_killed_mid_task_runs_it_again_and_its_effect_happens_once(
    camille, dominique, eloi
):
    people = [camille, dominique, eloi]
    database = cluster_env()["PERCHOIR_DATABASE_URL"]
    cluster("stop-worker")
    try:
        for person in people:
            picture = image_bytes("PNG", (3000, 2000))
            answer = person.api(
                "POST", "/me/avatar", files={"file": ("p.png", picture, "image/png")}
            )
            assert answer.status_code == 200, answer.text[:300]
        cluster("start-worker")
        with psycopg.connect(database, autocommit=True) as connection:
            caught = until(
                "a thumbnail task in the worker's hands",
                lambda: connection.execute(
                    "SELECT 1 FROM django_tasks_database_dbtaskresult "
                    "WHERE status = 'RUNNING' AND task_path LIKE %s",
                    ["%image_thumbnails_task"],
                ).fetchone(),
                seconds=30,
                every=0.01,
            )
        assert caught
        cluster("kill-worker")  # SIGKILL: the task in hand is left RUNNING
    finally:
        cluster("start-worker")

    def avatars_ready() -> list[dict[str, object]] | None:
        avatars = [person.api("GET", "/me").json()["avatar"] for person in people]
        return avatars if all(a["status"] == "ready" for a in avatars) else None

    avatars = until("every avatar's thumbnails", avatars_ready, seconds=90, every=1)
    assert isinstance(avatars, list)
    from .test_journey import bucket_client, bucket_key

    client, bucket = bucket_client()
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]]
    for avatar in avatars:
        thumbnails = avatar["thumbnails"]
        assert isinstance(thumbnails, dict)
        assert thumbnails
        stem = Path(bucket_key(str(avatar["url"]))).stem
        # The original and one file per thumbnail size: the run that was cut left no extra copy.
        assert len([key for key in keys if stem in key]) == 1 + len(thumbnails)
