from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, Theme
from .validators import HANDLE_MAX_LENGTH


class HandleFieldMixin:
    """allauth's "username" field, presented as the person's @handle."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        handle = self.fields["username"]
        handle.label = _("Handle")
        handle.help_text = _("Letters, digits and underscores; people find you as @handle.")
        handle.widget.attrs.update({"maxlength": HANDLE_MAX_LENGTH, "autocapitalize": "none"})


class SignupForm(HandleFieldMixin, AllauthSignupForm):
    pass


class SocialSignupForm(HandleFieldMixin, AllauthSocialSignupForm):
    """First sign-in through a provider: confirm or change the suggested handle."""


# --- Profile and preferences (settings pages) ----------------------------------------------------

AVATAR_ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


class ProfileForm(forms.Form):
    """Only what a person may change about their profile; anything else posted is ignored."""

    display_name = forms.CharField(
        label=_("Display name"),
        required=False,
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=_("Shown above your @handle; leave it empty to be shown as your handle."),
    )
    handle = forms.CharField(
        label=_("Handle"),
        help_text=_("Letters, digits and underscores; people find you as @handle."),
        # The length is checked with the other handle rules, to give one clear message.
        widget=forms.TextInput(
            attrs={
                "maxlength": HANDLE_MAX_LENGTH,
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    bio = forms.CharField(
        label=_("Bio"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    avatar = forms.FileField(
        label=_("New avatar"),
        required=False,
        help_text=_("A JPEG, PNG, GIF or WebP image, square if you can."),
        widget=forms.FileInput(attrs={"accept": AVATAR_ACCEPT}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["bio"].help_text = _(
            "A few words about you, at most %(max)d characters. Markdown works: *italic*, "
            "**bold**, [a link](https://example.org)."
        ) % {"max": BIO_MAX_LENGTH}


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Same as my browser")), *settings.LANGUAGES],
        widget=forms.RadioSelect,
    )
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices, widget=forms.RadioSelect)
