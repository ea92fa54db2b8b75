from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    name = "perchoir.discovery"
    verbose_name = _("Discovery")

    def ready(self) -> None:
        from .collection_kinds import register_collection_kinds
        from .home import register_collection_sources, register_conversation_sources
        from .kinds import register_conversation_kinds

        register_conversation_kinds()
        register_collection_kinds()
        register_conversation_sources()
        register_collection_sources()

        from perchoir.privacy.registry import register

        from .privacy import erase_discovery, export_discovery

        register("discovery", export=export_discovery, erase=erase_discovery)
