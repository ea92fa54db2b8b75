from datetime import datetime
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from perchoir.core.text import REASON_MAX_LENGTH

from .models import (
    ALT_TEXT_MAX_LENGTH,
    AUDIENCE_MAX_LENGTH,
    BODY_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    PROGRAMME_MAX_SLOTS,
    REQUEST_MESSAGE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ContributionPolicy,
    ItemKind,
    Visibility,
)
from .services import ItemFields

MARKDOWN_HELP = _("Markdown: **bold**, _italic_, [link](https://…), > quote, ## heading.")
IMAGE_HELP = _("JPEG, PNG, GIF or WebP. Location and other hidden data are removed.")


class CollectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH * 2)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH * 2,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=MARKDOWN_HELP,
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        help_text=IMAGE_HELP,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    policy = forms.ChoiceField(
        label=_("Who can add items"),
        choices=ContributionPolicy.choices,
        initial=ContributionPolicy.ONLY_ME,
        widget=forms.RadioSelect,
    )
    client_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


def _datetime_local(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise forms.ValidationError(
            _("Write a date and time, like 2026-12-01 18:30."), code="invalid"
        ) from None


class ItemForm(forms.Form):
    """One form for the four kinds; the page shows only the fields of the chosen kind."""

    KIND_FIELDS: dict[str, tuple[str, ...]] = {
        ItemKind.ARTICLE: ("title", "body", "image", "publish"),
        ItemKind.IMAGE: ("image", "alt_text", "caption", "title"),
        ItemKind.LINK: ("link_url", "title", "body"),
        ItemKind.EVENT: (
            "title",
            "starts_at",
            "ends_at",
            "time_zone",
            "place",
            "online_url",
            "audience",
            "body",
            "programme",
        ),
    }

    title = forms.CharField(label=_("Title"), required=False, max_length=TITLE_MAX_LENGTH * 2)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=BODY_MAX_LENGTH * 2,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=MARKDOWN_HELP,
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=IMAGE_HELP,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("Description for people who cannot see it"),
        required=False,
        max_length=ALT_TEXT_MAX_LENGTH * 2,
    )
    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        max_length=CAPTION_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    link_url = forms.CharField(
        label=_("Web address"), required=False, max_length=2000, widget=forms.URLInput()
    )
    starts_at = forms.CharField(
        label=_("Starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.CharField(
        label=_("Ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        max_length=64,
        initial="Europe/Paris",
        help_text=_("Such as Europe/Paris or America/Montreal."),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=PLACE_MAX_LENGTH * 2)
    online_url = forms.CharField(
        label=_("Link to join online"), required=False, max_length=2000, widget=forms.URLInput()
    )
    audience = forms.CharField(
        label=_("For whom"), required=False, max_length=AUDIENCE_MAX_LENGTH * 2
    )
    programme = forms.CharField(
        label=_("Programme"),
        required=False,
        max_length=PROGRAMME_MAX_SLOTS * (TITLE_MAX_LENGTH + 10),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One time slot a line: a time, then a title. For example: 09:30 Welcome"),
    )
    publish = forms.BooleanField(
        label=_("Publish now (otherwise it stays a draft only you see)"),
        required=False,
        initial=True,
    )
    client_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kind = kind
        keep = set(self.KIND_FIELDS.get(kind, ())) | {"client_token"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if kind == ItemKind.ARTICLE:
            self.fields["image"].label = _("Cover image (optional)")
        if kind == ItemKind.IMAGE:
            self.fields["title"].help_text = _("Optional.")
        if kind == ItemKind.LINK:
            self.fields["title"].help_text = _("Optional: the page's own title otherwise.")
            self.fields["body"].label = _("Why it is worth reading (optional)")
        if kind == ItemKind.EVENT:
            self.fields["body"].label = _("About the event")

    def clean_starts_at(self) -> datetime | None:
        return _datetime_local(self.cleaned_data.get("starts_at") or "")

    def clean_ends_at(self) -> datetime | None:
        return _datetime_local(self.cleaned_data.get("ends_at") or "")

    def clean_programme(self) -> list[dict[str, str]]:
        slots = []
        for line in (self.cleaned_data.get("programme") or "").splitlines():
            if line.strip():
                clock, _space, title = line.strip().partition(" ")
                slots.append({"time": clock, "title": title})
        return slots

    def item_fields(self) -> ItemFields:
        data = self.cleaned_data
        return ItemFields(
            title=data.get("title", ""),
            body=data.get("body", ""),
            caption=data.get("caption", ""),
            alt_text=data.get("alt_text", ""),
            link_url=data.get("link_url", ""),
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            time_zone=data.get("time_zone", ""),
            place=data.get("place", ""),
            online_url=data.get("online_url", ""),
            audience=data.get("audience", ""),
            programme=data.get("programme", []),
        )


def programme_text(programme: list[dict[str, str]]) -> str:
    return "\n".join(f"{slot['time']} {slot['title']}" for slot in programme)


def time_zone_names() -> list[str]:
    return sorted(available_timezones())


class InviteForm(forms.Form):
    invitees = forms.CharField(
        label=_("Invite contributors"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Handles (@ada), email addresses or provider:username (github:octocat), separated "
            "by spaces or commas. People without an account here get an invitation that waits."
        ),
    )


class ContributionRequestForm(forms.Form):
    message = forms.CharField(
        label=_("A word to the owner (optional)"),
        required=False,
        max_length=REQUEST_MESSAGE_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ContactForm(forms.Form):
    message = forms.CharField(
        label=_("Your message to the organiser"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("It starts a private conversation between you and the organiser."),
    )


class RemoveForm(forms.Form):
    """Taking out someone else's item, or removing a contributor: the service asks for the
    reason (not for your own item, nor to leave), as a conversation starter's removal does."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH * 2,
        help_text=_("Logged, and sent to the person."),
    )
