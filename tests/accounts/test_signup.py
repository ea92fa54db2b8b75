"""Who may create an account: the founder link, site modes, invite links."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from perchoir.accounts.models import Role, User
from perchoir.core.errors import Conflict
from perchoir.core.models import SiteMode
from perchoir.core.selectors import site_settings_get
from perchoir.invitations import services
from perchoir.invitations.models import InviteLink
from tests.factories import InviteLinkFactory, UserFactory
from tests.invitations.helpers import signup_data, site_set

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"


def founder_path() -> str:
    url = services.founder_link_issue()
    assert url is not None
    return url.removeprefix("http://testserver")


# --- The founder ----------------------------------------------------------------------------


def test_founder_link_opens_signup_and_makes_the_first_account_administrator(client):
    path = founder_path()
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == SIGNUP

    page = client.get(SIGNUP)
    assert page.status_code == 200
    assert "You are the founder" in page.content.decode()

    response = client.post(SIGNUP, signup_data("founder", "founder@example.org"))
    assert response.status_code == 302
    founder = User.objects.get()
    assert founder.handle == "founder"
    assert founder.role == Role.ADMIN
    assert founder.is_superuser
    assert site_settings_get().founder_token_hash == ""
    # Email verification stays mandatory: a confirmation is on its way.
    assert mail.outbox[-1].to == ["founder@example.org"]


def test_founder_link_works_on_a_closed_site_while_no_account_exists(client):
    site_set(mode=SiteMode.CLOSED)
    client.get(founder_path())
    client.post(SIGNUP, signup_data("founder", "founder@example.org"))
    assert User.objects.get().role == Role.ADMIN


def test_founder_link_used_twice_says_it_expired_or_was_used(client):
    path = founder_path()
    client.get(path)
    client.post(SIGNUP, signup_data("founder", "founder@example.org"))

    response = client.get(path)
    assert response.status_code == 410
    assert "expired or has already been used" in response.content.decode()


def test_founder_link_stops_working_once_anyone_has_an_account(client):
    path = founder_path()
    UserFactory()
    response = client.get(path)
    assert response.status_code == 410
    assert "expired or has already been used" in response.content.decode()


def test_founder_token_held_while_someone_else_became_first_cannot_make_an_administrator(client):
    site_set(mode=SiteMode.OPEN)
    client.get(founder_path())
    UserFactory()  # someone signed up on the open site in between

    client.post(SIGNUP, signup_data("latecomer", "late@example.org"))
    latecomer = User.objects.filter(handle="latecomer").first()
    # The founder token is no longer valid: an ordinary member account at most.
    assert latecomer is not None
    assert latecomer.role == Role.MEMBER
    assert not latecomer.is_superuser


def test_a_wrong_founder_token_is_refused(client):
    founder_path()
    response = client.get("/invitations/founder/not-the-token/")
    assert response.status_code == 410
    assert not User.objects.exists()


# --- Site modes -----------------------------------------------------------------------------


def test_open_site_lets_anyone_sign_up(client):
    site_set(mode=SiteMode.OPEN)
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    newcomer = User.objects.get(handle="newcomer")
    assert newcomer.role == Role.MEMBER
    assert newcomer.invited_by is None


def test_invite_only_site_without_invitation_explains_and_links_to_requests(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get(SIGNUP)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Joining is by invitation" in body
    assert "/invitations/request/" in body
    response = client.post(SIGNUP, signup_data())
    assert not User.objects.filter(handle="newcomer").exists()


def test_closed_site_refuses_sign_up_and_says_so(client, member):
    site_set(mode=SiteMode.CLOSED)
    response = client.get(SIGNUP)
    body = response.content.decode()
    assert "Sign-up is closed" in body
    assert "/invitations/request/" not in body
    client.post(SIGNUP, signup_data())
    assert not User.objects.filter(handle="newcomer").exists()


def test_closed_site_refuses_even_a_valid_invite_link(client):
    link = InviteLinkFactory()
    client.get(f"/invitations/join/{link.code}/")
    site_set(mode=SiteMode.CLOSED)
    client.post(SIGNUP, signup_data())
    assert not User.objects.filter(handle="newcomer").exists()
    link.refresh_from_db()
    assert link.uses_count == 0


# --- Invite links ---------------------------------------------------------------------------


def test_joining_through_an_invite_link_records_the_inviter_and_counts_the_use(
    client, django_assert_max_num_queries
):
    inviter = UserFactory(display_name="Ada Lovelace")
    link = InviteLinkFactory(created_by=inviter, max_uses=2)
    client.get(f"/invitations/join/{link.code}/")

    with django_assert_max_num_queries(8):
        page = client.get(SIGNUP)
    assert "Ada Lovelace" in page.content.decode()
    assert "invited you" in page.content.decode()

    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    newcomer = User.objects.get(handle="newcomer")
    assert newcomer.invited_by == inviter
    assert newcomer.joined_via == link
    link.refresh_from_db()
    assert link.uses_count == 1


def test_invite_link_becoming_used_up_between_form_and_submit_creates_no_account(client):
    link = InviteLinkFactory(max_uses=1)
    client.get(f"/invitations/join/{link.code}/")
    assert client.get(SIGNUP).status_code == 200
    # Someone else takes the last seat while this person fills in the form.
    InviteLink.objects.filter(id=link.id).update(uses_count=1)

    response = client.post(SIGNUP, signup_data())
    body = response.content.decode()
    assert not User.objects.filter(handle="newcomer").exists()
    assert "used as many times as it allows" in body


def test_invite_link_revoked_between_form_and_submit_creates_no_account(client):
    link = InviteLinkFactory()
    client.get(f"/invitations/join/{link.code}/")
    InviteLink.objects.filter(id=link.id).update(revoked_at=timezone.now())
    response = client.post(SIGNUP, signup_data())
    assert not User.objects.filter(handle="newcomer").exists()
    assert "revoked" in response.content.decode()


def test_the_last_seat_goes_to_one_person_only_when_the_check_races():
    """The gate let both in; the locked re-check in the user's transaction refuses the second."""
    link = InviteLinkFactory(max_uses=1)
    first = User(handle="first_in", email="first@example.org")
    services.signup_user_save(user=first, invite_code=link.code)
    second = User(handle="second_in", email="second@example.org")
    with pytest.raises(Conflict, match="used as many times as it allows"):
        services.signup_user_save(user=second, invite_code=link.code)
    assert not User.objects.filter(handle="second_in").exists()
    link.refresh_from_db()
    assert link.uses_count == 1


def test_an_expired_invite_link_cannot_create_an_account():
    link = InviteLinkFactory(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="expired"):
        services.signup_user_save(user=User(handle="late_one"), invite_code=link.code)
    assert not User.objects.filter(handle="late_one").exists()


def test_the_race_message_is_shown_as_a_page_with_no_account_created(client, monkeypatch):
    link = InviteLinkFactory(max_uses=1)
    client.get(f"/invitations/join/{link.code}/")
    # The gate sees the link usable; the seat goes elsewhere before the account is saved.
    monkeypatch.setattr(
        "perchoir.accounts.adapter.signup_is_open", lambda **kwargs: True, raising=True
    )
    InviteLink.objects.filter(id=link.id).update(uses_count=1)
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 409
    assert "Your account was not created" in response.content.decode()
    assert not User.objects.filter(handle="newcomer").exists()


def test_an_invite_link_on_an_open_site_still_records_who_invited(client):
    site_set(mode=SiteMode.OPEN)
    link = InviteLinkFactory()
    client.get(f"/invitations/join/{link.code}/")
    client.post(SIGNUP, signup_data())
    assert User.objects.get(handle="newcomer").invited_by == link.created_by


def test_signup_without_csrf_token_is_refused(client):
    site_set(mode=SiteMode.OPEN)
    client.handler.enforce_csrf_checks = True
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 403
    assert not User.objects.filter(handle="newcomer").exists()


def test_a_stale_founder_link_on_an_invite_only_site_creates_nothing(client):
    client.get(founder_path())
    UserFactory()
    response = client.post(SIGNUP, signup_data("latecomer", "late@example.org"))
    assert not User.objects.filter(handle="latecomer").exists()
    assert "Joining is by invitation" in response.content.decode()
    with pytest.raises(Conflict, match="expired or has already been used"):
        services.signup_user_save(user=User(handle="sneaky"), founder_token="stale")
    assert not User.objects.filter(handle="sneaky").exists()


def test_the_founder_pages_keep_a_small_number_of_queries(client, django_assert_max_num_queries):
    path = founder_path()
    with django_assert_max_num_queries(8):
        client.get(path)
    with django_assert_max_num_queries(10):
        page = client.get(SIGNUP)
    assert page.status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/invitations/founder/wrong/").status_code == 410
