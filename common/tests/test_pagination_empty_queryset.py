"""A list whose queryset can match nothing by construction (``.none()``, ``pk__in=[]``) is an empty page
with a count of 0, not a 500: Django cannot write SQL for it (EmptyResultSet), so there is no count
statement to put beside the rows."""

import pytest
from django.core.paginator import EmptyPage

from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory
from apps.leads.tests.queries import count_queries
from common.pagination import CountedPagePaginator, IdsFirstPaginator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("paginator_class", [CountedPagePaginator, IdsFirstPaginator])
@pytest.mark.parametrize("empty", ["none", "no_ids"])
def test_a_queryset_that_matches_nothing_is_an_empty_first_page(paginator_class, empty):
    LeadFactory()
    leads = Lead.objects.order_by("-created_at", "pk")
    queryset = leads.none() if empty == "none" else leads.filter(pk__in=[])

    with count_queries() as statements:
        page = paginator_class(queryset, 20).page(1)
        assert (page.paginator.count, list(page), page.has_next()) == (0, [], False)
    assert statements == []  # nothing to ask the database
    with pytest.raises(EmptyPage):
        paginator_class(queryset, 20).page(2)
