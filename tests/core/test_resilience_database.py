"""PostgreSQL goes away (a restart, a failover): the real server answers a clean, translated 503
with Retry-After meanwhile, and serves again once it is back, without being restarted.

The shared PostgreSQL is never stopped: the server reaches it through a TCP proxy that the test
closes (open connections are reset, new ones refused) and opens again."""

import json
import urllib.request
from email.message import Message
from urllib.error import HTTPError

import pytest
from django.db import connection

from tests.factories import UserFactory

from .tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (PERCHOIR_DATABASE_URL)"
)


def fetch(url: str, **headers: str) -> tuple[int, Message, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def database_proxy():
    settings_dict = connection.settings_dict
    proxy = TcpProxy(settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    proxy.start()
    yield proxy
    proxy.close()


def test_a_database_outage_answers_503_then_the_same_server_recovers(
    asgi_server_factory, database_proxy
):
    UserFactory(handle="marguerite")
    settings_dict = connection.settings_dict
    server = asgi_server_factory(
        PERCHOIR_DATABASE_URL=(
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}"
            f"@127.0.0.1:{database_proxy.port}/{settings_dict['NAME']}"
        ),
        # As in production: persistent connections, which the outage breaks under the server.
        PERCHOIR_TESTING="",
    )
    page = f"{server.url}/@marguerite"
    api = f"{server.url}/api/v1/people/marguerite"
    for _ in range(3):  # the pool's threads each hold a connection now
        assert fetch(page)[0] == 200

    database_proxy.stop()
    status, headers, body = fetch(page, **{"Accept-Language": "fr"})
    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert '<html lang="fr"' in body  # in the language asked for
    assert "<h1>Indisponible un instant</h1>" in body
    assert "Traceback" not in body
    status, headers, body = fetch(api)
    assert status == 503
    assert headers["Retry-After"]
    assert json.loads(body)["error"]["code"] == "unavailable"

    database_proxy.start()
    for _ in range(3):
        status, _, body = fetch(page)
        assert status == 200
        assert "marguerite" in body
    assert fetch(api)[0] == 200
    assert server.process.poll() is None  # the same server all along
