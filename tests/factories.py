import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from perchoir.accounts.models import Role, User
from perchoir.invitations.models import InviteLink

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    handle = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.handle}@example.org")
    display_name = factory.Faker("name")
    role = Role.MEMBER

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        # A person who can sign in has a verified address, as allauth requires.
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR


class AdminFactory(UserFactory):
    role = Role.ADMIN


class InviteLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InviteLink

    code = factory.Sequence(lambda n: f"invite-code-{n:06d}")
    created_by = factory.SubFactory(UserFactory)
    max_uses = 5
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))
