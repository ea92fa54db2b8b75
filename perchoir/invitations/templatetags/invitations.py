from typing import Any

from django import template

from perchoir.invitations.models import InviteLink
from perchoir.invitations.services import (
    FOUNDER_SESSION_KEY,
    INVITE_SESSION_KEY,
    founder_token_is_valid,
    invite_link_unusable_message,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def signup_invitation(context: dict[str, Any]) -> dict[str, Any]:
    """What brought this visitor to the sign-up page: the founder link, an invite link, nothing."""
    request = context.get("request")
    session = getattr(request, "session", None)
    if session is None:
        return {"founder": False, "link": None}
    token = session.get(FOUNDER_SESSION_KEY)
    if token and founder_token_is_valid(token):
        return {"founder": True, "link": None}
    code = session.get(INVITE_SESSION_KEY)
    link = None
    if code:
        link = InviteLink.objects.select_related("created_by__avatar").filter(code=code).first()
    result: dict[str, Any] = {"founder": False, "link": link}
    if link is not None and not link.is_usable():
        result["unusable_message"] = invite_link_unusable_message(link.status())
    return result
