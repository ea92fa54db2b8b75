from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionsConfig(AppConfig):
    name = "perchoir.collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        from django.urls import reverse

        from perchoir.invitations.models import PendingInvitationTargetKind
        from perchoir.invitations.services import pending_invitation_target_register
        from perchoir.moderation.targets import register as moderation_register
        from perchoir.privacy.registry import register

        from .moderation import COLLECTION, ITEM
        from .privacy import erase_collections, export_collections
        from .services import pending_invitation_claimed

        pending_invitation_target_register(
            PendingInvitationTargetKind.COLLECTION,
            on_claim=pending_invitation_claimed,
            url=lambda collection_id: reverse("collections:detail", args=[collection_id]),
        )
        # Before the media section removes images, after conversations.
        register("collections", export=export_collections, erase=erase_collections, order=15)
        moderation_register(COLLECTION)
        moderation_register(ITEM)
