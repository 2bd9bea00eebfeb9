import datetime

import factory

from apps.accounts.tests.factories import UserFactory
from apps.tasks.models import Task


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    name = "세금계산서 발행"
    body = "제로커뮤니케이션 3월 세금계산서 발행"
    due_date = datetime.date(2024, 4, 13)
    created_by = factory.SubFactory(UserFactory)
    assignee = factory.SelfAttribute("created_by")
    status = Task.Status.NOT_STARTED
