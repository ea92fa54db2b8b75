"""Asking for an invitation, and the administrators' answer by email."""

from types import SimpleNamespace

import pytest
from django.core import mail

from perchoir.core.errors import Conflict, NotFound, RateLimited
from perchoir.core.models import SiteMode
from perchoir.invitations import services
from perchoir.invitations.models import InviteLink, InviteRequest, InviteRequestStatus
from tests.factories import AdminFactory, ModeratorFactory, UserFactory
from tests.invitations.helpers import site_set

pytestmark = pytest.mark.django_db

REQUEST = "/invitations/request/"
REQUESTS = "/invitations/requests/"


def ask(
    email: str = "visitor@example.org", language: str = "en", client_key: str = ""
) -> InviteRequest:
    return services.invite_request_create(
        viewer=None,
        email=email,
        message="I write about birds.",
        language=language,
        client_key=client_key or email,
    )


def test_visitor_requests_an_invitation_and_gets_a_receipt(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        page = client.get(REQUEST)
    assert page.status_code == 200
    assert "Request an invitation" in page.content.decode()
    response = client.post(
        REQUEST, {"email": "visitor@example.org", "message": "I write about birds."}, follow=True
    )
    assert "Request received" in response.content.decode()
    saved = InviteRequest.objects.get()
    assert (saved.email, saved.status, saved.language) == (
        "visitor@example.org",
        InviteRequestStatus.PENDING,
        "en",
    )


def test_the_request_remembers_the_language_it_was_made_in(client):
    client.post(
        REQUEST,
        {"email": "visiteur@example.org", "message": "Bonjour."},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert InviteRequest.objects.get().language == "fr"


def test_a_second_request_from_the_same_address_in_other_case_is_not_duplicated(client):
    client.post(REQUEST, {"email": "visitor@example.org", "message": "Hello."})
    response = client.post(
        REQUEST, {"email": "Visitor@EXAMPLE.org", "message": "Hello again."}, follow=True
    )
    assert "Request received" in response.content.decode()
    assert InviteRequest.objects.count() == 1


def main_text(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def test_the_receipt_does_not_reveal_an_existing_account(client):
    UserFactory(email="known@example.org")
    known = client.post(REQUEST, {"email": "known@example.org", "message": "Hi."}, follow=True)
    unknown = client.post(REQUEST, {"email": "new@example.org", "message": "Hi."}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert main_text(known) == main_text(unknown)
    assert "Request received" in main_text(known)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an address", "message": "Hi."}, "Enter a valid email address."),
        ({"email": "a@example.org", "message": ""}, "This field is required."),
        ({"email": "a@example.org", "message": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_request_input_is_explained_and_saves_nothing(client, data, message):
    response = client.post(REQUEST, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not InviteRequest.objects.exists()


def test_requests_are_rate_limited_per_address(client):
    for number in range(services.INVITE_REQUEST_LIMIT):
        client.post(REQUEST, {"email": f"v{number}@example.org", "message": "Hi."})
    response = client.post(REQUEST, {"email": "more@example.org", "message": "Hi."})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert InviteRequest.objects.count() == services.INVITE_REQUEST_LIMIT


@pytest.mark.parametrize("mode", [SiteMode.OPEN, SiteMode.CLOSED])
def test_requests_are_only_taken_on_invite_only_sites(client, mode):
    site_set(mode=mode)
    response = client.post(REQUEST, {"email": "a@example.org", "message": "Hi."})
    assert "Request an invitation" in response.content.decode()
    assert not InviteRequest.objects.exists()


def test_signed_in_people_are_told_they_have_an_account(member_client):
    response = member_client.post(REQUEST, {"email": "a@example.org", "message": "Hi."})
    assert "You already have an account" in response.content.decode()
    assert not InviteRequest.objects.exists()


def test_admin_sees_pending_requests_first(client, admin_user, django_assert_max_num_queries):
    decided = ask("old@example.org")
    services.invite_request_decline(actor=admin_user, request_id=decided.id)
    ask("waiting@example.org")
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        page = client.get(REQUESTS)
    body = page.content.decode()
    assert body.index("waiting@example.org") < body.index("old@example.org")
    assert f"Decided by @{admin_user.handle}" in body


def test_requests_page_queries_do_not_grow(client, admin_user, django_assert_max_num_queries):
    for number in range(8):
        request = ask(f"v{number}@example.org")
        if number % 2:
            services.invite_request_approve(actor=admin_user, request_id=request.id)
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        client.get(REQUESTS)


@pytest.mark.parametrize("role", ["anonymous", "member", "moderator"])
def test_only_administrators_see_requests(client, role):
    if role == "member":
        client.force_login(UserFactory())
    elif role == "moderator":
        client.force_login(ModeratorFactory())
    request = ask()
    assert client.get(REQUESTS).status_code == 404
    response = client.post(f"/invitations/requests/{request.id}/approve/")
    assert response.status_code in {302, 404}
    request.refresh_from_db()
    assert request.status == InviteRequestStatus.PENDING
    assert mail.outbox == []


def test_approving_emails_a_one_use_link_to_the_requester(
    client, admin_user, django_capture_on_commit_callbacks
):
    request = ask()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/invitations/requests/{request.id}/approve/")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == InviteRequestStatus.APPROVED
    assert request.decided_by == admin_user
    assert request.decided_at is not None
    link = request.invite_link
    assert link is not None
    assert (link.max_uses, link.created_by) == (1, admin_user)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["visitor@example.org"]
    assert "Your invitation to Perchoir" in message.subject
    assert f"http://testserver/invitations/join/{link.code}/" in message.body


def test_declining_emails_a_polite_answer(admin_user, django_capture_on_commit_callbacks):
    request = ask()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_request_decline(actor=admin_user, request_id=request.id)
    request.refresh_from_db()
    assert request.status == InviteRequestStatus.DECLINED
    assert request.decided_by == admin_user
    assert not InviteLink.objects.exists()
    assert mail.outbox[0].to == ["visitor@example.org"]
    assert "Your request to join Perchoir" in mail.outbox[0].subject
    assert "Thank you for your interest" in mail.outbox[0].body


def test_the_email_is_written_in_the_requesters_language(
    admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    fake_task = SimpleNamespace(enqueue=lambda **kwargs: enqueued.append(kwargs))
    monkeypatch.setattr("perchoir.core.email.email_send_task", fake_task)
    request = ask(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_request_approve(actor=admin_user, request_id=request.id)
    assert enqueued[0]["language"] == "fr"
    assert enqueued[0]["to"] == ["visitor@example.org"]


def test_no_email_leaves_before_the_decision_is_committed(admin_user):
    request = ask()
    services.invite_request_approve(actor=admin_user, request_id=request.id)
    # The test's transaction never commits: nothing was sent.
    assert mail.outbox == []


def test_deciding_twice_is_a_conflict(client, admin_user, django_capture_on_commit_callbacks):
    request = ask()
    other_admin = AdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_request_approve(actor=admin_user, request_id=request.id)
    with pytest.raises(Conflict, match="already been approved"):
        services.invite_request_decline(actor=other_admin, request_id=request.id)
    client.force_login(other_admin)
    response = client.post(f"/invitations/requests/{request.id}/approve/")
    assert response.status_code == 409
    assert "already been approved" in response.content.decode()
    request.refresh_from_db()
    assert request.decided_by == admin_user
    assert InviteLink.objects.count() == 1
    assert len(mail.outbox) == 1


def test_approving_an_unknown_request_is_not_found(admin_user):
    with pytest.raises(NotFound):
        services.invite_request_approve(actor=admin_user, request_id=424242)


def test_approve_without_csrf_token_is_refused(client, admin_user):
    request = ask()
    client.handler.enforce_csrf_checks = True
    client.force_login(admin_user)
    assert client.post(f"/invitations/requests/{request.id}/approve/").status_code == 403
    request.refresh_from_db()
    assert request.status == InviteRequestStatus.PENDING


def test_request_without_csrf_token_is_refused(client):
    client.handler.enforce_csrf_checks = True
    response = client.post(REQUEST, {"email": "a@example.org", "message": "Hi."})
    assert response.status_code == 403
    assert not InviteRequest.objects.exists()


def test_the_service_rate_limit_is_per_client():
    for number in range(services.INVITE_REQUEST_LIMIT):
        ask(f"v{number}@example.org", client_key="203.0.113.9")
    with pytest.raises(RateLimited):
        ask("one-more@example.org", client_key="203.0.113.9")
    ask("one-more@example.org", client_key="198.51.100.7")
    assert InviteRequest.objects.count() == services.INVITE_REQUEST_LIMIT + 1


@pytest.mark.parametrize(
    ("path", "mode", "text"),
    [
        ("/invitations/request/sent/", SiteMode.INVITE_ONLY, "Request received"),
        (REQUEST, SiteMode.OPEN, "anyone may create an account"),
        (REQUEST, SiteMode.CLOSED, "not accepting new accounts"),
    ],
)
def test_small_request_pages_keep_their_query_count(
    client, path, mode, text, django_assert_max_num_queries
):
    site_set(mode=mode)
    with django_assert_max_num_queries(6):
        response = client.get(path)
    assert response.status_code == 200
    assert text in response.content.decode()
