"""Collections and items are reported and moderated through the one mechanism."""

import pytest

from perchoir.moderation import services as moderation
from perchoir.moderation.models import Report, StatementOfReasons

from .conftest import signed_in
from .factories import CollectionFactory, ConnectionFactory

pytestmark = pytest.mark.django_db


def test_a_reader_reports_an_item_and_a_moderator_warns_its_author(owner, stranger, moderator_user):
    connection = ConnectionFactory(collection=CollectionFactory(owner=owner))
    item = connection.item
    page = signed_in(stranger).get(connection.get_absolute_url()).content.decode()
    assert f'href="/report/item/{item.pk}/"' in page

    response = signed_in(stranger).post(
        f"/report/item/{item.pk}/",
        {"category": "spam", "explanation": "An advert for pills", "location_url": ""},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.target_kind, report.target_id) == ("item", item.pk)

    action = moderation.action_take(
        moderator=moderator_user,
        kind="warning",
        target_kind="item",
        target_id=item.pk,
        reason="Adverts are not allowed",
        case_id=report.case_id,
    )
    statement = StatementOfReasons.objects.get(action=action)
    assert statement.recipient == owner
    assert statement.after_report


def test_a_collection_is_reported_from_its_page_but_nobody_reports_what_they_cannot_see(
    owner, stranger
):
    public = CollectionFactory(owner=owner)
    assert f'href="/report/collection/{public.pk}/"' in (
        signed_in(stranger).get(public.get_absolute_url()).content.decode()
    )
    assert 'href="/report/collection/' not in (
        signed_in(owner).get(public.get_absolute_url()).content.decode()
    )
    private = CollectionFactory(owner=owner, visibility="private")
    assert signed_in(stranger).get(f"/report/collection/{private.pk}/").status_code == 404
    hidden_item = ConnectionFactory(collection=private).item
    assert signed_in(stranger).get(f"/report/item/{hidden_item.pk}/").status_code == 404
    assert not Report.objects.exists()
