"""Schemathesis fuzzes every operation of the OpenAPI document on a live server.

Each operation gets a bounded number of generated requests, authenticated with a member's
personal access token; none may answer a server error, a status the document does not list, a
content type it does not list, or a body that does not match the documented schema.
"""

import os
import re

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from perchoir.api.services import access_token_create
from perchoir.core.ratelimit import ratelimits_suspended
from tests.conversations.factories import ConversationFactory, MessageFactory
from tests.factories import UserFactory

# Requests generated per operation: enough to reach the validation paths of each one, few
# enough that the whole document (about a hundred operations) is fuzzed in a couple of minutes.
# FUZZ_EXAMPLES=100 hunts deeper, by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Valid requests by default; FUZZ_MODE=negative sends invalid ones (which must get a 4xx).
MODE = GenerationMode(os.environ.get("FUZZ_MODE", "positive"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_operation_survives_generated_requests(live_server, settings):
    # Hundreds of writes in a minute: past the global limits everything would be a (documented)
    # 429, and the operations themselves would not be fuzzed.
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, (100_000, 60))
    member = UserFactory()
    UserFactory(handle="someone")
    conversation = ConversationFactory(starter=member)
    message = MessageFactory(conversation=conversation, author=member)
    # Random ids mostly find nothing (404): each operation is also fuzzed on things that exist.
    existing = {
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "handle": "someone",
    }

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    session = requests.Session()
    failures: list[str] = []
    statuses: dict[int, int] = {}
    headers: dict[str, str] = {}

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        # The fuzzer may well revoke the token it is given: then it gets a new one.
        if session.get(f"{live_server.url}/api/v1/me", headers=headers).status_code != 200:
            with ratelimits_suspended():
                _, secret = access_token_create(user=member, name=label[:60])
            headers = {"Authorization": f"Bearer {secret}"}
        names = re.findall(r"\{(\w+)\}", operation.path)
        passes = [None]
        if names and set(names) <= set(existing):
            passes.append({name: existing[name] for name in names})
        for path_parameters in passes:
            try:
                fuzz(
                    operation,
                    statuses,
                    path_parameters,
                    base_url=live_server.url,
                    session=session,
                    headers=headers,
                )
            except (Exception, BaseExceptionGroup) as exc:  # every failure is reported at once
                failures.append(f"{label} {path_parameters or ''}:\n{exc}")

    assert not failures, "\n\n".join(failures)
    if MODE is GenerationMode.POSITIVE:
        # The token was accepted: the fuzzer reached the operations, not only their guards.
        successes = sum(count for status, count in statuses.items() if 200 <= status < 300)
        assert successes > len(operations) / 2, statuses


def fuzz(operation, statuses, path_parameters, **call):
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(MODE, path_parameters=path_parameters))
    def run(case):
        response = case.call_and_validate(checks=CHECKS, **call)
        _count(statuses, response)

    try:
        run()
    except Unsatisfiable:
        # An operation with nothing a client may get wrong has no invalid requests to send.
        if MODE is not GenerationMode.NEGATIVE:
            raise


def _count(statuses, response):
    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
