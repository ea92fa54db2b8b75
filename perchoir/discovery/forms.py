from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import DigestFrequency
from .selectors import SearchQuery, search_kind_choices
from .text import MAX_TERMS

# Longer queries are accepted (and cut to their first words); this only bounds the request.
QUERY_MAX_LENGTH = 10_000


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Words to find; only the first %(count)d count.") % {"count": MAX_TERMS},
    )
    kind = forms.ChoiceField(label=_("Among"), required=False)
    person = forms.CharField(
        label=_("By"), required=False, max_length=64, help_text=_("A handle, like @ada.")
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Set from a collection's page (its id); shown as the collection's title with a way out.
    collection = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        # A query longer than the limit is cut rather than refused: search never fails on input.
        if isinstance(data, QueryDict) and len(data.get("q", "")) > QUERY_MAX_LENGTH:
            data = data.copy()
            data["q"] = str(data["q"])[:QUERY_MAX_LENGTH]
            args = (data, *args[1:]) if args else args
            if not args:
                kwargs["data"] = data
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("Everything")), *search_kind_choices()]

    def query(self) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data.get("q") or "",
            kind=data.get("kind") or "",
            person=data.get("person") or "",
            since=data.get("since"),
            until=data.get("until"),
            collection=data.get("collection"),
        )


class DigestForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Email me a digest of my home"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "What happened in your conversations and among the people you follow, in one email. "
            "Nothing new, no email."
        ),
    )
