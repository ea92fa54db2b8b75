"""Short texts people type for a service: a reason given for acting on another person or what
they wrote (a conversation starter, a collection owner, a moderator), a note, a title. One rule
for every app: trimmed, required or not, and a clear error when empty or too long."""

from django.utils.translation import gettext as _

from .errors import InvalidInput

# A space's manager's reason (conversations, collections); moderators have room for more.
REASON_MAX_LENGTH = 500


def text_clean(
    text: str,
    *,
    required: bool,
    field: str = "reason",
    max_length: int = REASON_MAX_LENGTH,
    empty_message: str = "",
) -> str:
    """`text` trimmed; InvalidInput on `field` when it is required and empty, or too long. The
    default message asks for a space manager's reason."""
    text = text.strip()
    if required and not text:
        raise InvalidInput.for_field(
            field, empty_message or _("Say why, in a few words: it is logged.")
        )
    if len(text) > max_length:
        raise InvalidInput.for_field(
            field, _("Keep it under %(max)d characters.") % {"max": max_length}
        )
    return text
