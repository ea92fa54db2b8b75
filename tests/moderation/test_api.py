"""Moderation through the API: open reporting, protected moderator endpoints, appeals."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from perchoir.api.scopes import scopes_allowed
from perchoir.api.services import access_token_create
from perchoir.moderation.models import AppealStatus, Case, CaseStatus, Rule
from tests.conversations.factories import MessageFactory
from tests.factories import AdminFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/moderation"


class Api:
    def __init__(self, person=None) -> None:
        if person is None:
            self.client = Client()
        else:
            _token, secret = access_token_create(
                user=person, name="tests", scopes=scopes_allowed(person.role)
            )
            self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path, **params):
        return self.client.get(API + path, params)

    def post(self, path, data=None):
        return self.client.post(API + path, data or {}, content_type="application/json")

    def put(self, path, data):
        return self.client.put(API + path, data, content_type="application/json")


def _report(api, message, **extra):
    data = {
        "target_kind": "message",
        "target_id": message.pk,
        "category": "harassment",
        "explanation": "Insults.",
    }
    data.update(extra)
    return api.post("/reports", data)


def test_member_and_visitor_report(member):
    message = MessageFactory()
    mine = _report(Api(member), message)
    assert mine.status_code == 201
    receipt = mine.json()["receipt"]
    assert Api().get(f"/reports/{receipt}").json()["reviewed"] is False
    visitor = _report(Api(), message)
    assert visitor.status_code == 400
    assert "email" in visitor.json()["error"]["fields"]
    assert _report(Api(), message, email="v@example.org").status_code == 201


def test_bad_report_input_is_explained(member):
    response = _report(Api(member), MessageFactory(), category="boring")
    assert response.status_code == 400
    assert "category" in response.json()["error"]["fields"]
    missing = _report(Api(member), MessageFactory(), target_kind="planet")
    assert missing.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/cases"),
        ("get", "/cases/1"),
        ("get", "/appeals"),
        ("get", "/log"),
    ],
)
def test_moderator_endpoints_do_not_exist_for_members(member, method, path):
    response = getattr(Api(member), method)(path)
    assert response.status_code == 404
    assert getattr(Api(), method)(path).status_code == 401


def test_actions_are_refused_to_members(member):
    _report(Api(UserFactory()), MessageFactory())
    case_id = Case.objects.get().pk
    claim = Api(member).post(f"/cases/{case_id}/claim")
    assert claim.status_code == 403
    assert claim.json()["error"]["message"] == "Only moderators can do this."
    response = Api(member).post(
        "/actions",
        {"kind": "warning", "target_kind": "person", "target_id": UserFactory().pk, "reason": "x"},
    )
    assert response.status_code == 403


def test_the_whole_journey_through_the_api(member):
    message = MessageFactory(body="Rude words")
    case_id = None
    _report(Api(member), message)
    moderator, other = ModeratorFactory(), ModeratorFactory()
    queue = Api(moderator).get("/cases").json()["results"]
    case_id = queue[0]["id"]
    assert queue[0]["report_count"] == 1
    claimed = Api(moderator).post(f"/cases/{case_id}/claim")
    assert claimed.json()["claimed_by"] == moderator.handle
    conflict = Api(other).post(f"/cases/{case_id}/claim")
    assert conflict.status_code == 409
    assert moderator.handle in conflict.json()["error"]["message"]
    note = Api(moderator).post(f"/cases/{case_id}/notes", {"body": "Checked history."})
    assert note.status_code == 201
    action = Api(moderator).post(
        "/actions",
        {
            "kind": "hide",
            "target_kind": "message",
            "target_id": message.pk,
            "reason": "Insults.",
            "case_id": case_id,
        },
    )
    assert action.status_code == 201
    statement_id = action.json()["statement_id"]
    case = Api(moderator).get(f"/cases/{case_id}").json()
    assert case["status"] == CaseStatus.RESOLVED
    assert [entry["verb"] for entry in case["history"]][:2] == ["case.claimed", "action.hide"]
    author = Api(message.author)
    statement = author.get(f"/statements/{statement_id}").json()
    assert statement["reason"] == "Insults."
    assert statement["after_report"] is True
    assert Api(member).get(f"/statements/{statement_id}").status_code == 404
    appeal = author.post(f"/statements/{statement_id}/appeal", {"explanation": "A quote."})
    assert appeal.status_code == 201
    appeal_id = appeal.json()["id"]
    own = Api(moderator).post(f"/appeals/{appeal_id}/decide", {"grant": True, "reason": "x"})
    assert own.status_code == 403
    decided = Api(other).post(f"/appeals/{appeal_id}/decide", {"grant": True, "reason": "Ok."})
    assert decided.json()["status"] == AppealStatus.GRANTED
    messages = Client().get(f"/api/v1/conversations/{message.conversation_id}/messages").json()
    assert messages["results"][0]["body"] == "Rude words"
    log = Api(other).get("/log").json()["results"]
    assert log[0]["verb"] == "appeal.granted"


def test_severe_action_without_confirmation_is_refused(moderator):
    response = Api(moderator).post(
        "/actions",
        {
            "kind": "ban",
            "target_kind": "person",
            "target_id": UserFactory().pk,
            "reason": "Spam bot.",
        },
    )
    assert response.status_code == 400
    assert "confirmed" in response.json()["error"]["fields"]


def test_suspension_and_undo_through_the_api(moderator):
    person = UserFactory()
    response = Api(moderator).post(
        "/actions",
        {
            "kind": "suspend",
            "target_kind": "person",
            "target_id": person.pk,
            "reason": "Spam.",
            "until": (timezone.now() + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 201
    action_id = response.json()["id"]
    undone = Api(ModeratorFactory()).post(f"/actions/{action_id}/undo", {"reason": "Mistake."})
    assert undone.json()["reversed_at"] is not None


def test_rules_and_transparency_are_public(member):
    admin = AdminFactory()
    assert Api(member).put("/rules", {"number": 1, "title_en": "Be kind"}).status_code == 403
    saved = Api(admin).put("/rules", {"number": 1, "title_en": "Be kind", "title_fr": "Gentil"})
    assert saved.status_code == 200
    assert Api().get("/rules").json()[0]["title_fr"] == "Gentil"
    assert Rule.objects.count() == 1
    counts = Api().get("/transparency").json()
    assert counts == {"actions": [], "reports": [], "appeals": []}
