from allauth.account.forms import SignupForm as AllauthSignupForm
from django.utils.translation import gettext_lazy as _

from .validators import HANDLE_MAX_LENGTH


class SignupForm(AllauthSignupForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        handle = self.fields["username"]
        handle.label = _("Handle")
        handle.help_text = _("Letters, digits and underscores; people find you as @handle.")
        handle.widget.attrs.update({"maxlength": HANDLE_MAX_LENGTH, "autocapitalize": "none"})
