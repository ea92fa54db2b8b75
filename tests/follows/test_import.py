"""Find friends: import a follow list, see who is here (follow them) and who is not (invite)."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from perchoir.accounts.identities import people_by_identities
from perchoir.core.errors import InvalidInput
from perchoir.core.selectors import site_settings_get
from perchoir.follows import parsing, services
from perchoir.follows.models import Follow, FollowImport, FollowImportEntry, MatchKind
from perchoir.follows.parsing import follow_list_parse
from perchoir.invitations.models import PendingInvitation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MASTODON_CSV = (
    "Account address,Show boosts,Notify on new posts,Languages\n"
    "ada@mastodon.social,true,false,\n"
    "grace@hachyderm.io,true,false,en\n"
    "nobody@mastodon.social,false,false,\n"
)
FRIENDS = "/settings/friends/"


# --- Reading the list -----------------------------------------------------------------------


def test_mastodon_csv_export_is_read():
    assert follow_list_parse(MASTODON_CSV, own_handle="me") == [
        "ada@mastodon.social",
        "grace@hachyderm.io",
        "nobody@mastodon.social",
    ]


def test_plain_list_skips_blanks_duplicates_and_oneself():
    text = "\ufeff@Ada\n\n  ada \nGitHub:octocat\ngithub:octocat\n@me\nME\nx:jack\n\n"
    assert follow_list_parse(text, own_handle="Me") == ["@Ada", "github:octocat", "x:jack"]


def test_an_address_of_this_very_site_is_a_handle(settings):
    settings.SITE_URL = "https://perchoir.example"
    assert follow_list_parse("ada@Perchoir.Example", own_handle="me") == ["@ada"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('Account address,Show boosts\n"ada@mastodon.social,true\n', "CSV file is malformed"),
        ("Account address,Show boosts\nnot an address,true\n", "line 2: “not an address”"),
        ("ada\nhello world!\n", "line 2: “hello world!”"),
        ("   \n\n", "This list is empty."),
        ("@me\n", "There is nobody to look for"),
    ],
)
def test_bad_lists_are_refused_with_a_clear_message(text, message):
    with pytest.raises(InvalidInput) as caught:
        follow_list_parse(text, own_handle="me")
    assert message in caught.value.fields["list"][0]


def test_a_list_over_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_LINES", 3)
    with pytest.raises(InvalidInput, match="at most 3 lines"):
        follow_list_parse("a1\na2\na3\na4\n", own_handle="me")
    assert follow_list_parse("a1\na2\na3\n", own_handle="me") == ["@a1", "@a2", "@a3"]


# --- Matching -------------------------------------------------------------------------------


def _identity(user, provider, **extra_data):
    return SocialAccount.objects.create(
        user=user, provider=provider, uid=f"{provider}-{user.id}", extra_data=extra_data
    )


def test_identities_match_whatever_the_provider_keeps_the_username_in():
    octo = UserFactory(handle="octo")
    alice = UserFactory(handle="alice_here")
    jack = UserFactory(handle="jack_here")
    _identity(octo, "github", login="OctoCat")
    _identity(alice, "acme", userinfo={"preferred_username": "alice"}, id_token={"sub": "1"})
    _identity(jack, "twitter_oauth2", username="jack")
    _identity(UserFactory(is_active=False), "github", login="ghost")

    found = people_by_identities(
        [("github", "octocat"), ("acme", "ALICE"), ("x", "jack"), ("github", "ghost")]
    )
    assert found == {
        ("github", "octocat"): octo,
        ("acme", "alice"): alice,
        ("x", "jack"): jack,
    }


def test_import_finds_handles_identities_and_suggests_same_names_elsewhere(
    member, django_capture_on_commit_callbacks
):
    ada = UserFactory(handle="Ada")
    octo = UserFactory(handle="octo")
    _identity(octo, "github", login="octocat")
    _identity(member, "github", login="me_on_github")
    text = "@ada\ngithub:octocat\nada@mastodon.social\nzoe@mastodon.social\ngithub:me_on_github"

    with django_capture_on_commit_callbacks(execute=True):
        follow_import = services.follow_import_create(user=member, text=text)

    follow_import.refresh_from_db()
    assert (follow_import.status, follow_import.processed, follow_import.total) == ("done", 5, 5)
    assert (follow_import.found, follow_import.probable, follow_import.missing) == (2, 1, 1)
    rows = {e.address: (e.kind, e.person_id) for e in FollowImportEntry.objects.all()}
    assert rows == {
        "@ada": (MatchKind.FOUND, ada.id),
        "github:octocat": (MatchKind.FOUND, octo.id),
        "ada@mastodon.social": (MatchKind.PROBABLE, ada.id),
        "zoe@mastodon.social": (MatchKind.MISSING, None),
    }
    # Nobody was followed on their behalf.
    assert not Follow.objects.exists()


def test_follow_all_follows_the_sure_matches_only_and_once(member):
    UserFactory(handle="ada")
    UserFactory(handle="bob")
    services.follow_create(follower=member, handle="bob")
    follow_import = services.follow_import_create(
        user=member, text="ada\nbob\nbob@elsewhere.social\nzoe"
    )
    services.follow_import_process(import_id=follow_import.id)
    UserFactory(handle="zoe")  # joined after the import: not in its results

    assert services.follow_import_follow_all(user=member, import_id=follow_import.id) == 1
    assert services.follow_import_follow_all(user=member, import_id=follow_import.id) == 0
    followed = set(
        Follow.objects.filter(follower=member).values_list("followed__handle", flat=True)
    )
    assert followed == {"ada", "bob"}


def test_processing_again_resumes_and_does_not_duplicate(member):
    UserFactory(handle="ada")
    follow_import = services.follow_import_create(user=member, text="ada\nzoe")
    services.follow_import_process(import_id=follow_import.id)
    services.follow_import_process(import_id=follow_import.id)
    assert FollowImportEntry.objects.count() == 2


def test_a_hundred_thousand_lines_take_a_constant_number_of_queries_per_chunk(member):
    for i in range(0, 100_000, 5000):
        UserFactory(handle=f"user{i}")
    _identity(UserFactory(handle="octo"), "github", login="gh99999")
    lines = ["Account address,Show boosts,Notify on new posts,Languages"]
    lines += [f"user{i}@mastodon.social,true,false," for i in range(50_000)]
    text = "\n".join(lines)
    plain = "\n".join(f"github:gh{i}" if i % 2 else f"user{i}" for i in range(50_000, 100_000))
    follow_import = services.follow_import_create(user=member, text=text + "\n")
    second = services.follow_import_create(user=member, text=plain)
    assert (follow_import.total, second.total) == (50_000, 50_000)

    with CaptureQueriesContext(connection) as first_run:
        services.follow_import_process(import_id=follow_import.id)
    with CaptureQueriesContext(connection) as second_run:
        services.follow_import_process(import_id=second.id)

    chunks = 50_000 // services.IMPORT_CHUNK
    per_chunk = 12  # two lookups, the rows (in batches on SQLite), the progress, savepoints
    assert len(first_run.captured_queries) <= chunks * per_chunk + 5
    assert len(second_run.captured_queries) <= chunks * per_chunk + 5
    follow_import.refresh_from_db()
    second.refresh_from_db()
    assert (follow_import.status, follow_import.processed) == ("done", 50_000)
    assert follow_import.probable == 10  # user0, user5000, … user45000 on another server
    assert second.found == 11  # user50000 … user95000, and github:gh99999 through octo
    assert second.probable == 0
    assert FollowImportEntry.objects.count() == 100_000


# --- Pages ----------------------------------------------------------------------------------


def test_find_friends_needs_sign_in(client):
    response = client.get(FRIENDS)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_find_friends_page_is_in_the_settings(member_client):
    page = member_client.get(FRIENDS).content.decode()
    assert '<a href="/settings/friends/" aria-current="page">Find friends</a>' in page
    assert 'enctype="multipart/form-data"' in page
    assert "No imports yet" in page


def test_uploading_a_mastodon_export_shows_who_is_here(
    member_client, member, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    UserFactory(handle="ada", display_name="Ada Lovelace")
    upload = SimpleUploadedFile("following_accounts.csv", MASTODON_CSV.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(FRIENDS, {"file": upload})
    follow_import = FollowImport.objects.get()
    assert response["Location"] == f"/settings/friends/{follow_import.id}/"

    site_settings_get()
    with django_assert_max_num_queries(12):
        page = member_client.get(response["Location"]).content.decode()
    assert "Done" in page
    assert "3 of 3 lines looked at" in page
    assert "Ada Lovelace" in page
    assert "Probably" in page  # ada@mastodon.social is only probably our ada
    assert 'action="/@ada/follow/"' in page
    assert "nobody@mastodon.social" in page
    assert "grace@hachyderm.io" in page
    assert 'href="/invitations/"' in page  # an invite action for those not here
    assert 'http-equiv="refresh"' not in page  # finished: no need to reload


def test_results_page_query_count_does_not_grow_with_the_list(
    member_client, member, django_assert_max_num_queries
):
    for i in range(60):
        UserFactory(handle=f"friend{i}")
    text = "\n".join([f"friend{i}" for i in range(60)] + [f"gone{i}" for i in range(60)])
    follow_import = services.follow_import_create(user=member, text=text)
    services.follow_import_process(import_id=follow_import.id)
    site_settings_get()
    with django_assert_max_num_queries(12):
        page = member_client.get(f"/settings/friends/{follow_import.id}/").content.decode()
    assert page.count('action="/@friend') == 50
    assert "Page 1 of 2" in page

    response = member_client.post(f"/settings/friends/{follow_import.id}/follow-all/", follow=True)
    assert "You now follow 60 more people." in response.content.decode()
    assert Follow.objects.filter(follower=member).count() == 60


def test_an_import_in_progress_reloads_itself_without_javascript(member_client, member):
    follow_import = services.follow_import_create(user=member, text="ada")
    page = member_client.get(f"/settings/friends/{follow_import.id}/").content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "Waiting to start" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"list": ""}, "Choose a file or paste a list."),
        ({"list": "ada\nhello world!"}, "line 2: “hello world!”"),
        (
            {"file": SimpleUploadedFile("f.csv", b'Account address\n"broken', "text/csv")},
            "CSV file is malformed",
        ),
        ({"file": SimpleUploadedFile("f.csv", b"\xff\xfe\x00bad", "text/csv")}, "not a text file"),
    ],
)
def test_bad_imports_are_refused_on_the_page_and_save_nothing(member_client, data, message):
    response = member_client.post(FRIENDS, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FollowImport.objects.exists()


def test_someone_elses_import_is_not_found(member_client):
    other = services.follow_import_create(user=UserFactory(), text="ada")
    assert member_client.get(f"/settings/friends/{other.id}/").status_code == 404
    assert member_client.post(f"/settings/friends/{other.id}/follow-all/").status_code == 404


def test_import_form_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(FRIENDS, {"list": "ada"}).status_code == 403
    assert not FollowImport.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_api_imports_a_pasted_list_and_reports_matches(
    bearer, member, django_capture_on_commit_callbacks
):
    UserFactory(handle="ada", display_name="Ada Lovelace")
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer.post(
            "/api/v1/me/imports",
            {"text": "ada\nzoe@mastodon.social"},
            content_type="application/json",
        )
    assert response.status_code == 201
    created = response.json()
    assert (created["status"], created["total"], created["processed"]) == ("pending", 2, 0)

    polled = bearer.get(f"/api/v1/me/imports/{created['id']}").json()
    assert (polled["status"], polled["percent"], polled["found"], polled["missing"]) == (
        "done",
        100,
        1,
        1,
    )
    assert polled["matches"] == [
        {
            "address": "@ada",
            "kind": "found",
            "handle": "ada",
            "name": "Ada Lovelace",
            "following": False,
        }
    ]
    assert [(line["address"], line["invitable"]) for line in polled["not_here"]] == [
        ("zoe@mastodon.social", False)
    ]


def test_api_lists_who_is_not_here_and_invites_an_identity_of_the_import(
    bearer, member, django_capture_on_commit_callbacks, settings
):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "i", "secret": "s"}]}}
    with django_capture_on_commit_callbacks(execute=True):
        created = bearer.post(
            "/api/v1/me/imports", {"text": "github:octocat"}, content_type="application/json"
        ).json()
    line = bearer.get(f"/api/v1/me/imports/{created['id']}").json()["not_here"][0]
    assert (line["address"], line["invitable"]) == ("github:octocat", True)

    invited = bearer.post(f"/api/v1/me/imports/{created['id']}/not-here/{line['id']}/invite")
    assert invited.status_code == 201
    assert (invited.json()["address"], invited.json()["status"]) == ("github:octocat", "waiting")
    assert PendingInvitation.objects.get(inviter=member).username == "octocat"
    # Another import's line, or someone else's import: not found.
    forged = bearer.post(f"/api/v1/me/imports/{created['id']}/not-here/{line['id'] + 999}/invite")
    assert forged.status_code == 404


def test_api_imports_an_uploaded_file(bearer, member):
    upload = SimpleUploadedFile("following_accounts.csv", MASTODON_CSV.encode(), "text/csv")
    response = bearer.post("/api/v1/me/imports", {"file": upload})
    assert response.status_code == 201
    assert response.json()["total"] == 3


def test_api_refuses_a_malformed_list_in_the_error_format(bearer):
    response = bearer.post(
        "/api/v1/me/imports",
        {"text": 'Account address\n"broken'},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "CSV file is malformed" in response.json()["error"]["fields"]["text"][0]
    assert not FollowImport.objects.exists()


def test_api_someone_elses_import_is_not_found(bearer):
    other = services.follow_import_create(user=UserFactory(), text="ada")
    response = bearer.get(f"/api/v1/me/imports/{other.id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_import_with_session_but_no_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/api/v1/me/imports", {"text": "ada"}, content_type="application/json")
    assert response.status_code == 403
    assert not FollowImport.objects.exists()


def test_people_not_here_can_be_invited_to_wait_for_their_identity(member_client, member):
    from allauth.socialaccount.models import SocialApp

    from perchoir.invitations.models import PendingInvitation

    SocialApp.objects.create(provider="github", name="GitHub", client_id="id", secret="s")
    follow_import = services.follow_import_create(
        user=member, text="github:newbie\nzoe@mastodon.social"
    )
    services.follow_import_process(import_id=follow_import.id)
    detail = f"/settings/friends/{follow_import.id}/"
    page = member_client.get(detail).content.decode()
    entry = FollowImportEntry.objects.get(address="github:newbie")
    invite_action = f'action="/settings/friends/{follow_import.id}/invite/{entry.id}/"'
    assert invite_action in page
    assert "Send an invite link" in page  # for the Mastodon address: no waiting invitation

    response = member_client.post(f"/settings/friends/{follow_import.id}/invite/{entry.id}/")
    assert response["Location"] == detail
    assert "github:newbie" in member_client.get(detail).content.decode()
    invitation = PendingInvitation.objects.get()
    assert invitation.address == "github:newbie"

    other = FollowImportEntry.objects.get(address="zoe@mastodon.social")
    url = f"/settings/friends/{follow_import.id}/invite/{other.id}/"
    assert member_client.post(url).status_code == 404


def test_api_follows_everyone_an_import_found_for_sure(
    bearer, member, django_capture_on_commit_callbacks
):
    ada = UserFactory(handle="ada")
    with django_capture_on_commit_callbacks(execute=True):
        created = bearer.post(
            "/api/v1/me/imports", {"text": "ada\nnobody_here"}, content_type="application/json"
        ).json()
    response = bearer.post(f"/api/v1/me/imports/{created['id']}/follow-all")
    assert response.status_code == 200
    assert response.json() == {"followed": 1}
    assert Follow.objects.filter(follower=member, followed=ada).exists()
    again = bearer.post(f"/api/v1/me/imports/{created['id']}/follow-all")
    assert again.json() == {"followed": 0}
    assert bearer.post("/api/v1/me/imports/999999/follow-all").status_code == 404
