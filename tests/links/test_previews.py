"""Link previews: asked for, fetched in the background from real loopback pages, shown as cards."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from perchoir.core.errors import InvalidInput, RateLimited
from perchoir.links import services
from perchoir.links.models import LinkPreview, LinkPreviewRequest, LinkPreviewStatus
from perchoir.links.tasks import link_preview_fetch_task
from perchoir.media.models import Image
from tests.media.images import image_bytes, png_bomb

pytestmark = pytest.mark.django_db

ARTICLE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Fallback title</title>
<meta property="og:title" content="Herons of the Loire">
<meta property="og:description" content="Where to watch them, and when.">
<meta property="og:site_name" content="River Notes">
<meta property="og:image" content="/cover.png">
</head><body><h1>Herons</h1></body></html>"""


def request_and_fetch(url, requested_by, capture):
    """Ask for a preview and run what was queued after commit (the fetch task)."""
    with capture(execute=True):
        preview = services.link_preview_request(url=url, requested_by=requested_by)
    preview.refresh_from_db()
    return preview


def card(preview) -> str:
    return render_to_string("links/_preview_card.html", {"preview": preview})


def test_a_requested_page_becomes_a_ready_card_with_its_image(
    site, member, django_capture_on_commit_callbacks
):
    site.page("/cover.png", image_bytes("PNG", size=(600, 315)), content_type="image/png")
    url = site.page("/herons", ARTICLE)

    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    assert preview.status == LinkPreviewStatus.READY
    assert preview.title == "Herons of the Loire"
    assert preview.description == "Where to watch them, and when."
    assert preview.site_name == "River Notes"
    assert (preview.image.width, preview.image.height) == (600, 315)
    assert preview.image.uploaded_by is None
    assert preview.fetched_at is not None
    assert preview.error == ""
    html = card(preview)
    assert f'href="{url}"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert ">Herons of the Loire</a>" in html
    assert "River Notes" in html
    assert 'alt=""' in html


def test_the_request_answers_at_once_and_the_fetch_waits_for_the_commit(
    site, member, django_capture_on_commit_callbacks
):
    url = site.page("/herons", ARTICLE)
    with django_capture_on_commit_callbacks() as queued:
        preview = services.link_preview_request(url=url, requested_by=member)

    assert preview.status == LinkPreviewStatus.PENDING
    assert site.seen == []
    assert len(queued) == 1
    html = card(preview)
    assert "link-card" not in html
    assert f'<a href="{url}" rel="nofollow ugc noopener">{url}</a>' in html


def test_one_address_has_one_preview_whatever_its_spelling(member):
    first = services.link_preview_request(url="HTTPS://Example.ORG", requested_by=member)
    second = services.link_preview_request(url="https://example.org:443/#top", requested_by=None)

    assert first.id == second.id
    assert first.url == "https://example.org/"
    assert LinkPreview.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("not a url", "http:// or https://"),
        ("https://example.org/" + "a" * 2000, "too long"),
        ("https://user:pw@example.org/", "user name or password"),
    ],
)
def test_what_is_not_a_web_address_is_refused_clearly(member, url, message):
    with pytest.raises(InvalidInput) as caught:
        services.link_preview_request(url=url, requested_by=member)
    assert message in caught.value.fields["url"][0]
    assert not LinkPreview.objects.exists()


def test_a_failed_fetch_is_recorded_and_readers_see_a_plain_link(
    site, member, django_capture_on_commit_callbacks
):
    url = site.page("/gone", "Not here", status=404)

    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    assert preview.status == LinkPreviewStatus.FAILED
    assert "HTTP 404" in preview.error
    html = card(preview)
    assert f'<a href="{url}" rel="nofollow ugc noopener">{url}</a>' in html
    assert "404" not in html.replace(url, "")


def test_a_private_address_fails_without_being_contacted(
    loopback, settings, member, django_capture_on_commit_callbacks
):
    settings.FETCH_ALLOW_LOOPBACK = False
    preview = request_and_fetch(
        "http://169.254.169.254/latest/meta-data/", member, django_capture_on_commit_callbacks
    )
    assert preview.status == LinkPreviewStatus.FAILED
    assert "private or local network" in preview.error


def test_something_that_is_not_a_web_page_falls_back_to_the_address(
    site, member, django_capture_on_commit_callbacks
):
    url = site.page("/photo.png", image_bytes("PNG"), content_type="image/png")

    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    assert preview.status == LinkPreviewStatus.FAILED
    assert "not a web page" in preview.error
    assert "link-card" not in card(preview)


def test_a_page_without_a_title_falls_back_to_the_address(
    site, member, django_capture_on_commit_callbacks
):
    url = site.page("/untitled", "<p>Just text</p>")
    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)
    assert preview.status == LinkPreviewStatus.FAILED
    assert "link-card" not in card(preview)


def test_a_latin_1_page_reads_right(site, member, django_capture_on_commit_callbacks):
    body = "<title>Fête de la Musique à Orléans</title>".encode("latin-1")
    url = site.page("/fete", body, content_type="text/html; charset=ISO-8859-1")

    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    assert preview.title == "Fête de la Musique à Orléans"


def test_broken_html_still_gives_a_card(site, member, django_capture_on_commit_callbacks):
    url = site.page("/broken", "<html><head><title>Half a page</title><meta property=og:descr")
    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)
    assert preview.status == LinkPreviewStatus.READY
    assert preview.title == "Half a page"


def test_a_long_page_is_previewed_from_its_beginning(
    site, settings, member, django_capture_on_commit_callbacks
):
    settings.FETCH_MAX_BYTES = 2000
    url = site.page("/long", "<title>Long read</title>" + "<p>words</p>" * 5000)
    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)
    assert preview.title == "Long read"


def test_an_image_bomb_leaves_the_card_without_an_image(
    site, member, tmp_path, django_capture_on_commit_callbacks
):
    site.page("/bomb.png", png_bomb(tmp_path / "bomb.png").read_bytes(), content_type="image/png")
    url = site.page("/page", ARTICLE.replace("/cover.png", "/bomb.png"))

    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    assert preview.status == LinkPreviewStatus.READY
    assert preview.image is None
    assert not Image.objects.exists()
    assert "<img" not in card(preview)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>not an image</html>", "image/png"),
        (b"GIF89a garbage", "image/gif"),
        (b"", "image/png"),
    ],
)
def test_an_image_that_is_not_an_image_leaves_the_card_without_one(
    site, member, body, content_type, django_capture_on_commit_callbacks
):
    site.page("/cover.png", body, content_type=content_type)
    url = site.page("/herons", ARTICLE)

    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    assert preview.status == LinkPreviewStatus.READY
    assert preview.image is None
    assert not Image.objects.exists()


def test_an_image_on_a_private_address_is_not_fetched(
    site, member, django_capture_on_commit_callbacks
):
    url = site.page("/p", ARTICLE.replace("/cover.png", "http://10.0.0.1/cover.png"))
    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)
    assert preview.status == LinkPreviewStatus.READY
    assert preview.image is None


def test_a_malicious_title_is_shown_as_text(site, member, django_capture_on_commit_callbacks):
    url = site.page(
        "/evil",
        '<meta property="og:title" content="<script>alert(1)</script><img src=x onerror=alert(2)>">'
        '<meta property="og:description" content="&quot;><script>alert(3)</script>">',
    )

    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)
    html = card(preview)

    assert preview.title == "<script>alert(1)</script><img src=x onerror=alert(2)>"
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;script&gt;alert(3)" in html


def test_a_fresh_preview_is_not_fetched_again(site, member, django_capture_on_commit_callbacks):
    url = site.page("/herons", ARTICLE)
    request_and_fetch(url, member, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks() as queued:
        services.link_preview_request(url=url, requested_by=member)

    assert queued == []


def test_a_day_old_preview_is_refreshed_and_keeps_its_card_if_the_refresh_fails(
    site, member, django_capture_on_commit_callbacks
):
    url = site.page("/herons", ARTICLE)
    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)
    LinkPreview.objects.filter(id=preview.id).update(
        requested_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    site.page("/herons", "Server error", status=500)

    refreshed = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    assert refreshed.status == LinkPreviewStatus.READY
    assert refreshed.title == "Herons of the Loire"
    assert "HTTP 500" in refreshed.error
    assert refreshed.fetched_at > preview.fetched_at


def test_a_refresh_replaces_the_image_and_deletes_the_old_one(
    site, member, django_capture_on_commit_callbacks
):
    site.page("/cover.png", image_bytes("PNG", size=(300, 200)), content_type="image/png")
    url = site.page("/herons", ARTICLE)
    first = request_and_fetch(url, member, django_capture_on_commit_callbacks)
    old_image_id = first.image_id
    site.page("/cover.png", image_bytes("PNG", size=(400, 200)), content_type="image/png")

    with django_capture_on_commit_callbacks(execute=True):
        services.link_preview_fetch(preview_id=first.id)

    first.refresh_from_db()
    assert first.image.width == 400
    assert list(Image.objects.values_list("id", flat=True)) == [first.image_id]
    assert first.image_id != old_image_id


def test_fetching_again_is_safe_and_a_deleted_preview_is_skipped(
    site, member, django_capture_on_commit_callbacks
):
    url = site.page("/herons", ARTICLE)
    preview = request_and_fetch(url, member, django_capture_on_commit_callbacks)

    again = services.link_preview_fetch(preview_id=preview.id)
    assert again.status == LinkPreviewStatus.READY
    assert LinkPreview.objects.count() == 1

    preview.delete()
    assert services.link_preview_fetch(preview_id=preview.id) is None


def test_the_task_runs_the_fetch(site, member):
    url = site.page("/herons", ARTICLE)
    preview = services.link_preview_request(url=url, requested_by=member)

    result = link_preview_fetch_task.enqueue(preview.id)

    assert result.status == "SUCCESSFUL"
    preview.refresh_from_db()
    assert preview.title == "Herons of the Loire"


def test_fetches_are_rate_limited_per_person_but_reading_fresh_ones_is_free(member, monkeypatch):
    monkeypatch.setattr(services, "FETCH_LIMIT", 2)
    services.link_preview_request(url="https://example.org/1", requested_by=member)
    services.link_preview_request(url="https://example.org/2", requested_by=member)

    with pytest.raises(RateLimited):
        services.link_preview_request(url="https://example.org/3", requested_by=member)
    services.link_preview_request(url="https://example.org/1", requested_by=member)
    services.link_preview_request(url="https://example.org/3", requested_by=None)  # the site

    assert LinkPreview.objects.count() == 3


def test_who_asked_is_remembered_once(member):
    services.link_preview_request(url="https://example.org/", requested_by=member)
    services.link_preview_request(url="https://example.org/", requested_by=member)
    services.link_preview_request(url="https://example.org/", requested_by=None)
    assert LinkPreviewRequest.objects.filter(requested_by=member).count() == 1


def test_the_card_of_a_page_without_image_or_site_name_shows_the_host():
    preview = LinkPreview(
        url="https://www.example.org/a",
        status=LinkPreviewStatus.READY,
        title="Only a title",
        error="secret reason",
    )
    html = card(preview)
    assert "example.org" in html
    assert "www.example.org</p>" not in html
    assert "<img" not in html
    assert "secret reason" not in html
