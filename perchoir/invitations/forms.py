from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from perchoir.core.models import SiteMode, SiteSettings
from perchoir.core.services import (
    INVITE_MAX_DAYS_LIMIT,
    INVITE_MAX_USES_LIMIT,
    INVITE_QUOTA_LIMIT,
)

from .services import (
    INVITE_NOTE_MAX_LENGTH,
    INVITE_REQUEST_MESSAGE_MAX_LENGTH,
    PENDING_INVITATION_MESSAGE_MAX_LENGTH,
)


class PendingInvitationCreateForm(forms.Form):
    address = forms.CharField(
        label=_("Email address or provider:username"),
        max_length=254,
        help_text=_(
            "For example grace@example.org or github:octocat. The invitation waits until "
            "that person verifies the address or signs in with that account."
        ),
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=PENDING_INVITATION_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: a few words sent with an emailed invitation."),
    )


class InviteLinkCreateForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=INVITE_NOTE_MAX_LENGTH,
        help_text=_("For you only: who this link is for."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, initial=7)
    max_uses = forms.IntegerField(label=_("How many people may join with it"), min_value=1)

    def __init__(self, *args: Any, site: SiteSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        assert isinstance(days, forms.IntegerField)
        days.initial = min(7, site.invite_max_days)
        days.help_text = _("At most %(max)d.") % {"max": site.invite_max_days}
        days.validators.append(MaxValueValidator(site.invite_max_days))
        days.widget.attrs["max"] = site.invite_max_days
        uses = self.fields["max_uses"]
        assert isinstance(uses, forms.IntegerField)
        uses.initial = 1
        uses.help_text = _("At most %(max)d.") % {"max": site.invite_max_uses}
        uses.validators.append(MaxValueValidator(site.invite_max_uses))
        uses.widget.attrs["max"] = site.invite_max_uses


class InviteRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))
    message = forms.CharField(
        label=_("A few words about you"),
        max_length=INVITE_REQUEST_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who you are, and why you would like to join (at most 1000 characters)."),
    )


class SiteRulesForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Who may create an account"),
        choices=SiteMode.choices,
        widget=forms.RadioSelect,
    )
    members_may_invite = forms.BooleanField(
        label=_("Members may create invite links"),
        required=False,
        help_text=_("Moderators and administrators always may."),
    )
    invite_quota = forms.IntegerField(
        label=_("Invitations per member"),
        min_value=0,
        max_value=INVITE_QUOTA_LIMIT,
        help_text=_(
            "How many people each member may invite in all. Seats of links that expire or are "
            "revoked unused come back. Moderators and administrators have no quota."
        ),
    )
    invite_max_days = forms.IntegerField(
        label=_("Longest validity of an invite link, in days"),
        min_value=1,
        max_value=INVITE_MAX_DAYS_LIMIT,
    )
    invite_max_uses = forms.IntegerField(
        label=_("Most people one invite link may bring"),
        min_value=1,
        max_value=INVITE_MAX_USES_LIMIT,
    )
