from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perchoir.accounts.models import User

from .scopes import DEFAULT_TOKEN_SCOPES, SCOPES, scopes_allowed
from .services import NAME_MAX_LENGTH

EXPIRY_CHOICES = [
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
    ("never", _("Never")),
]


class AccessTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What the token is for, so you recognise it later: “Backup script”."),
    )
    expires_in = forms.ChoiceField(
        label=_("Expires"),
        choices=EXPIRY_CHOICES,
        initial="90",
        help_text=_("A token that expires limits the harm if it leaks."),
    )

    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_TOKEN_SCOPES),
        help_text=_("Give a token only the permissions its program needs."),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        allowed = scopes_allowed(user.role)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(name, text) for name, text in SCOPES.items() if name in allowed]

    def expires_at(self) -> datetime | None:
        choice = self.cleaned_data["expires_in"]
        if choice == "never":
            return None
        return timezone.now() + timedelta(days=int(choice))
