from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DeletionMode


class DeletionForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What happens to what you wrote"),
        widget=forms.RadioSelect,
        choices=DeletionMode.choices,
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )

    def __init__(
        self, *args: object, modes: list[DeletionMode], has_password: bool, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        mode_field = self.fields["mode"]
        assert isinstance(mode_field, forms.ChoiceField)
        mode_field.choices = [(mode.value, mode.label) for mode in modes]
        if len(modes) == 1:
            self.fields["mode"].initial = modes[0].value
        if not has_password:
            del self.fields["password"]
        else:
            self.fields["password"].required = True
