"""`perchoir demo` fills the site with a small living community, once."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from perchoir.accounts.models import User
from perchoir.core.management.commands.demo import DEMO_PASSWORD, PEOPLE
from perchoir.invitations.models import InviteLink, InviteRequest, InviteRequestStatus
from perchoir.media.models import Image
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def demo_people():
    return User.objects.filter(email__endswith="@demo.example")


def test_demo_fills_the_site_once_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    first = run_demo()
    assert "12 people" in first
    assert DEMO_PASSWORD in first

    counts = (
        demo_people().count(),
        Image.objects.count(),
        InviteLink.objects.count(),
        InviteRequest.objects.count(),
        EmailAddress.objects.count(),
    )
    second = run_demo()
    assert "nothing changed" in second
    assert counts == (
        demo_people().count(),
        Image.objects.count(),
        InviteLink.objects.count(),
        InviteRequest.objects.count(),
        EmailAddress.objects.count(),
    )

    assert demo_people().count() == len(PEOPLE) == 12
    for person in PEOPLE:
        user = User.objects.get(handle=person.handle)
        assert user.display_name == person.display_name
        assert user.bio_html.startswith("<p>")  # the Markdown bio rendered once, at write time
        assert user.avatar is not None
        assert user.avatar.file.name.endswith(".png")
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.get(user=user).verified
        if person.invited_by:
            assert user.invited_by.handle == person.invited_by
            assert user.joined_via is not None
            assert user.joined_via.created_by_id == user.invited_by_id
        else:
            assert user.invited_by is None
    assert Image.objects.count() == 12
    assert {p.language for p in PEOPLE} == {"en", "fr"}
    assert InviteRequest.objects.filter(status=InviteRequestStatus.PENDING).count() == 2


def test_invite_tree_has_several_generations(settings):
    settings.DEBUG = True
    run_demo()
    ines = User.objects.get(handle="ines")
    chain = []
    while ines is not None:
        chain.append(ines.handle)
        ines = ines.invited_by
    assert chain == ["ines", "lea", "amina", "camille"]
    for link in InviteLink.objects.all():
        assert link.uses_count == link.joined_users.count()
        assert link.uses_count <= link.max_uses


def test_demo_people_can_sign_in_with_the_printed_password(settings, client):
    settings.DEBUG = True
    run_demo()
    response = client.post(
        "/accounts/login/", {"login": "oliver@demo.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["handle"] == "oliver"


def test_demo_refuses_a_real_site_unless_forced(settings):
    settings.DEBUG = False
    AdminFactory(is_superuser=True)  # the founder does not count
    UserFactory()  # a real person does
    with pytest.raises(CommandError, match="--force"):
        run_demo()
    assert not demo_people().exists()
    run_demo("--force")
    assert demo_people().count() == 12


def test_demo_runs_on_a_site_with_only_its_founder(settings):
    settings.DEBUG = False
    AdminFactory(is_superuser=True)
    run_demo()
    assert demo_people().count() == 12
