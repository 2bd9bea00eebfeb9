"""Two add-leads on one list at the same moment never store an id twice."""

import threading

import pytest
from django.db import connection, transaction

from apps.leads.models import LeadList
from apps.leads.services import lead_list_add_leads
from apps.leads.tests.factories import LeadFactory, LeadListFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_of_the_same_ids_store_each_once(user):
    leads = LeadFactory.create_batch(30, user=user)
    ids = [lead.id for lead in leads]
    lead_list = LeadListFactory(user=user)
    results, errors = [], []
    started = threading.Barrier(3)

    def add(chunk):
        try:
            started.wait(timeout=10)
            results.append(lead_list_add_leads(lead_list=LeadList.objects.get(pk=lead_list.pk), lead_ids=chunk))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    # Hold the list's row lock while both adds start, so both compute their change while the other
    # is still pending: only the service's own lock keeps them from adding the same ids twice.
    with transaction.atomic():
        LeadList.objects.select_for_update().get(pk=lead_list.pk)
        threads = [threading.Thread(target=add, args=(chunk,)) for chunk in (ids, list(reversed(ids)))]
        for thread in threads:
            thread.start()
        started.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=0.5)  # they are blocked on the lock held here
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    stored = LeadList.objects.get(pk=lead_list.pk).lead_ids
    assert sorted(stored) == sorted(ids)
    assert sorted(change.added for change in results) == [0, 30]
