from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from perchoir.core.text import REASON_MAX_LENGTH

from .models import (
    MESSAGE_MAX_LENGTH,
    PASSAGE_MAX_LENGTH,
    PITCH_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    InvitePolicy,
    Visibility,
)
from .services import SLOW_MODE_MAX_SECONDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Browsers count characters as the server does only for the cap's order of magnitude; the
# service gives the exact, friendly message, so the form field is a little more lenient.
BODY_FIELD_MAX = MESSAGE_MAX_LENGTH * 2


def _body_field(label: "StrOrPromise", *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=BODY_FIELD_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, _italic_, [link](https://…), > quote, @handle."),
    )


class ConversationStartForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=TITLE_MAX_LENGTH * 2,
        help_text=_("Optional: without one, the first line of your message is the title."),
    )
    body = _body_field(_("Your first message"), required=False)
    link_url = forms.CharField(
        label=_("Start from a link"),
        required=False,
        max_length=2000,
        help_text=_("Optional: a web address; a preview card appears above the conversation."),
        widget=forms.URLInput(),
    )
    invitees = forms.CharField(
        label=_("Invite"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Handles (@ada), email addresses or provider:username (github:octocat), separated "
            "by spaces or commas. People without an account here get an invitation that waits."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Who can read"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    invite_policy = forms.ChoiceField(
        label=_("Who can invite"),
        choices=InvitePolicy.choices,
        initial=InvitePolicy.PARTICIPANTS,
        widget=forms.RadioSelect,
    )
    branch_conversation = forms.IntegerField(required=False, widget=forms.HiddenInput)
    branch_message = forms.IntegerField(required=False, widget=forms.HiddenInput)
    passage = forms.CharField(
        required=False, max_length=PASSAGE_MAX_LENGTH * 2, widget=forms.HiddenInput
    )


class MessageForm(forms.Form):
    body = _body_field(_("Message"))
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quoted_passage = forms.CharField(
        required=False, max_length=PASSAGE_MAX_LENGTH * 2, widget=forms.HiddenInput
    )
    client_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class MessageEditForm(forms.Form):
    body = _body_field(_("Message"))


class InviteForm(forms.Form):
    invitees = forms.CharField(
        label=_("Invite people"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=ConversationStartForm.base_fields["invitees"].help_text,
    )


class JoinRequestForm(forms.Form):
    pitch = forms.CharField(
        label=_("Why would you like to join?"),
        max_length=PITCH_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A sentence or two for the participants (at most %(max)d characters).")
        % {"max": PITCH_MAX_LENGTH},
    )


class SuggestionForm(forms.Form):
    body = _body_field(_("Your suggested message"))


class HighlightForm(forms.Form):
    passage = forms.CharField(
        label=_("Passage to highlight"),
        required=False,
        max_length=PASSAGE_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Copy the words from the message; leave empty to highlight all of it."),
    )


class LockForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH * 2,
        help_text=_("Logged and shown to participants."),
    )


class SlowModeForm(forms.Form):
    seconds = forms.IntegerField(
        label=_("Seconds between two messages of one person"),
        min_value=0,
        max_value=SLOW_MODE_MAX_SECONDS,
        help_text=_("0 turns slow mode off. You are not slowed down yourself."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=REASON_MAX_LENGTH * 2)


class RemoveParticipantForm(forms.Form):
    handle = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH * 2,
        help_text=_("Logged, and sent to the person."),
    )


class SettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH * 2)
    visibility = forms.ChoiceField(
        label=_("Who can read"), choices=Visibility.choices, widget=forms.RadioSelect
    )
    invite_policy = forms.ChoiceField(
        label=_("Who can invite"), choices=InvitePolicy.choices, widget=forms.RadioSelect
    )
