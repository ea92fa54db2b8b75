from django import forms
from django.utils.translation import gettext_lazy as _

from .parsing import MAX_BYTES


class FollowImportForm(forms.Form):
    file = forms.FileField(
        label=_("A file"),
        required=False,
        help_text=_("Mastodon: Preferences → Import and export → Data export → Follows (CSV)."),
    )
    list = forms.CharField(
        label=_("Or paste a list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One a line: @handle, a Mastodon address such as alice@mastodon.social, "
            "or provider:username such as github:octocat."
        ),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                self.add_error(
                    "file",
                    _("This file is too large: upload at most %(size)s MB at a time.")
                    % {"size": MAX_BYTES // (1024 * 1024)},
                )
                return data
            try:
                data["list"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("This file is not a text file (UTF-8) we can read."))
                return data
        if not (data.get("list") or "").strip() and not self.errors:
            self.add_error("list", _("Choose a file or paste a list."))
        return data
