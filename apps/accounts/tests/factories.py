import factory

from apps.accounts.models import User

DEFAULT_PASSWORD = "Sales-one-Pass-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"sales{n}@example.co.kr")
    first_name = "민준"
    last_name = "김"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])
