"""The plain Django view the tracking benchmark compares the open pixel and click redirect with."""

from django.http import HttpResponse


def ceiling(request):
    """Nothing but a 204: what any request through this Django stack costs at least."""
    return HttpResponse(status=204)
