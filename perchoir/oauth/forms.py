from django import forms
from django.utils.translation import gettext_lazy as _

from .services import NAME_MAX_LENGTH, REDIRECT_URIS_MAX


class ApplicationRegisterForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("People see it when they are asked to let the application act for them."),
    )
    redirect_uris = forms.CharField(
        label=_("Redirect addresses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line, at most %(max)d: where people come back to after they answer. "
            "https:// only (http:// to this computer's own address while developing)."
        )
        % {"max": REDIRECT_URIS_MAX},
    )
    confidential = forms.TypedChoiceField(
        label=_("Kind of client"),
        choices=[
            ("yes", _("Confidential: a server that can keep a secret")),
            ("no", _("Public: an app on people's devices or in their browser (no secret)")),
        ],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )

    def redirect_uri_lines(self) -> list[str]:
        return str(self.cleaned_data["redirect_uris"]).splitlines()
