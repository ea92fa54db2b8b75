from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "perchoir.conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from django.urls import reverse

        from perchoir.invitations.models import PendingInvitationTargetKind
        from perchoir.invitations.services import pending_invitation_target_register
        from perchoir.live.streams import stream_register

        from .events import EVENT_KINDS
        from .selectors import conversation_visible_to
        from .services import pending_invitation_claimed

        pending_invitation_target_register(
            PendingInvitationTargetKind.CONVERSATION,
            on_claim=pending_invitation_claimed,
            url=lambda conversation_id: reverse("conversations:detail", args=[conversation_id]),
        )
        stream_register("conversation", conversation_visible_to, kinds=EVENT_KINDS)

        from perchoir.moderation.targets import register

        from .moderation import CONVERSATION, MESSAGE

        register(MESSAGE)
        register(CONVERSATION)
