"""The cluster journey (`make cluster-test`): tests that talk to the real deployment of
`make cluster` through nginx, and break parts of it on purpose.

They run only when PERCHOIR_CLUSTER_URL names that deployment (http://127.0.0.1:8080); `make
test` skips them. Once it is set, a cluster that does not answer fails every test rather than
skipping it, so CI cannot pass without running them.
"""

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

CLUSTER_URL = os.environ.get("PERCHOIR_CLUSTER_URL", "").rstrip("/")
CLUSTER_DIR = Path(os.environ.get("PERCHOIR_CLUSTER_DIR", "/tmp/perchoir-cluster"))
ROOT = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = ROOT / "deploy" / "cluster" / "cluster.py"
WEB_PORTS = (8101, 8102)
PASSWORD = "a long and quiet perch in the cluster"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CLUSTER_URL:
        # The fault drills last: the journey meets the cluster as it was started.
        items.sort(key=lambda item: item.path.name == "test_faults.py")
        return
    skip = pytest.mark.skip(reason="the cluster journey: `make cluster && make cluster-test`")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


def cluster(action: str, *arguments: str) -> None:
    """An action of deploy/cluster/cluster.py (stop-web 8101, stop-redis, ...)."""
    subprocess.run(
        [sys.executable, str(CLUSTER_SCRIPT), action, *arguments],
        check=True,
        env=os.environ | {"PERCHOIR_CLUSTER_DIR": str(CLUSTER_DIR)},
        timeout=120,
    )


def cluster_env() -> dict[str, str]:
    """The environment file every Perchoir process of the cluster reads."""
    values = {}
    for line in (CLUSTER_DIR / "perchoir.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def process_url(port: int) -> str:
    """One web process, without nginx."""
    return f"http://127.0.0.1:{port}"


def until(
    what: str, check: Callable[[], object], seconds: float = 30, every: float = 0.3
) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    pytest.fail(f"{what}: not within {seconds:g} s")


@dataclass
class Person:
    handle: str
    email: str
    session: requests.Session  # signed in through nginx (cookies)
    token: str  # a personal access token, for the API
    # An API client that keeps cookies, as browsers and most HTTP libraries do: the site's
    # read-your-writes cookie sends its reads to the primary just after it wrote.
    client: requests.Session = field(default_factory=requests.Session)

    def api(self, method: str, path: str, *, base: str = "", **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} | dict(kwargs.pop("headers", {}))  # type: ignore[call-overload]
        return self.client.request(
            method, (base or CLUSTER_URL) + "/api/v1" + path, headers=headers, timeout=30, **kwargs
        )


def csrf_post(session: requests.Session, path: str, data: dict[str, str]) -> requests.Response:
    """A form posted as a browser does: the page first (for the CSRF cookie), then the form."""
    session.get(CLUSTER_URL + path, timeout=30)
    data = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", "")} | data
    return session.post(CLUSTER_URL + path, data=data, timeout=30, allow_redirects=True)


def confirmation_link(email: str) -> str:
    """The email-confirmation link the cluster wrote to its mail folder for `email`."""

    def find() -> str | None:
        for path in sorted((CLUSTER_DIR / "mail").glob("*.log")):
            text = path.read_text(errors="replace")
            if f"To: {email}" in text:
                match = re.search(r"https?://\S+/accounts/confirm-email/\S+/", text)
                if match:
                    return match.group(0)
        return None

    return str(until(f"a confirmation email to {email}", find))


def sign_up(handle: str) -> Person:
    """Sign up through nginx on the cluster's open site, confirm the address from the emailed
    link, and make a personal access token on the tokens page's API."""
    email = f"{handle}@example.org"
    session = requests.Session()
    answer = csrf_post(
        session,
        "/accounts/signup/",
        {"email": email, "username": handle, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert answer.status_code == 200, answer.text[:500]
    assert "/accounts/confirm-email/" in answer.url, f"not asked to confirm: {answer.url}"
    link = confirmation_link(email)
    assert link.startswith(CLUSTER_URL + "/"), f"the email links elsewhere: {link}"
    confirmed = csrf_post(session, link.removeprefix(CLUSTER_URL), {})
    assert confirmed.status_code == 200
    me = session.get(CLUSTER_URL + "/api/v1/me", timeout=30)
    assert me.status_code == 200, me.text[:300]
    assert me.json()["handle"] == handle
    created = session.post(
        CLUSTER_URL + "/api/v1/tokens",
        json={"name": "cluster journey", "scopes": ["read", "write", "follow"]},
        headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
        timeout=30,
    )
    assert created.status_code == 201, created.text[:300]
    return Person(handle=handle, email=email, session=session, token=created.json()["token"])


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def site() -> str:
    """The cluster's address; the cluster must answer (a failure, not a skip, once it is set)."""
    try:
        answer = requests.get(CLUSTER_URL + "/readyz", timeout=10)
    except requests.RequestException as error:
        pytest.fail(f"the cluster at {CLUSTER_URL} does not answer ({error}): run `make cluster`")
    assert answer.status_code == 200, f"/readyz answered {answer.status_code}: {answer.text}"
    return CLUSTER_URL


# Three people for the whole run: each may post 20 messages a minute and start 10 conversations
# an hour, and the site lets one address sign up 20 people an hour, so the tests share them.
@pytest.fixture(scope="session")
def camille(site: str) -> Person:
    return sign_up(unique("camille"))


@pytest.fixture(scope="session")
def dominique(site: str) -> Person:
    return sign_up(unique("dominique"))


@pytest.fixture(scope="session")
def eloi(site: str) -> Person:
    return sign_up(unique("eloi"))


def conversation_start(person: Person) -> int:
    """A public conversation of this person's."""
    started = person.api("POST", "/conversations", json={"title": "On the cluster", "body": "Hi"})
    assert started.status_code == 201, started.text[:300]
    return int(started.json()["id"])


@pytest.fixture
def conversation(camille: Person) -> int:
    return conversation_start(camille)


def messages_of(person: Person, conversation_id: int) -> list[dict[str, object]]:
    """Every message of a conversation, through the API's pages."""
    found: list[dict[str, object]] = []
    path = f"/conversations/{conversation_id}/messages"
    while path:
        answer = person.api("GET", path)
        assert answer.status_code == 200, answer.text[:300]
        page = answer.json()
        found += page["results"]
        newer = page.get("newer")
        path = f"/conversations/{conversation_id}/messages?after={newer}" if newer else ""
    return found


class EventStream:
    """A live subscriber (server-sent events over HTTP), read in a thread."""

    def __init__(self, url: str) -> None:
        import threading

        self.frames: list[str] = []
        self.response = requests.get(
            url, headers={"Accept": "text/event-stream"}, stream=True, timeout=(5, 60)
        )
        assert self.response.status_code == 200, self.response.status_code
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buffer = ""
        try:
            for chunk in self.response.iter_content(chunk_size=None, decode_unicode=True):
                buffer += chunk
                *complete, buffer = buffer.split("\n\n")
                self.frames += complete
        except (requests.RequestException, AttributeError, ValueError):
            pass  # closed by close()

    def received(self, text: str) -> bool:
        return any(text in frame for frame in self.frames)

    def close(self) -> None:
        self.response.close()


@pytest.fixture
def subscribe() -> Iterator[Callable[[str], EventStream]]:
    streams: list[EventStream] = []

    def open_stream(url: str) -> EventStream:
        streams.append(EventStream(url))
        return streams[-1]

    yield open_stream
    for stream in streams:
        stream.close()
