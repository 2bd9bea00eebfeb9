"""List query parameters: nothing a client sends is ignored.

A filter value that cannot match (a bad enum, a date that is not one, ``is_active=maybe``) or a
parameter the list does not know (a misspelt filter) answers 400 saying what the list accepts;
likewise an ``ordering`` on a field the list cannot sort by. The filter backends below are the API's
defaults (REST_FRAMEWORK in settings); a view that reads its own parameters sets ``filter_backends = []``.
"""

from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

# Parameters every list takes: the SPA sends them to any list (pagination, search, ordering, format).
COMMON_PARAMETERS = frozenset({"page", "page_size", "cursor", "search", "ordering", "format"})
BOOLEAN_VALUES = ("true", "false", "True", "False", "1", "0")


def parameter_names(name: str, field: forms.Field) -> list[str]:
    """The query parameters behind one filter: ``due_date`` → ``due_date_after``, ``due_date_before``."""
    suffixes = getattr(field.widget, "suffixes", None)
    if suffixes:
        return [f"{name}_{suffix}" if suffix else name for suffix in suffixes]
    return [name]


def known_parameters(filterset) -> set[str]:
    """Every query parameter a list with this FilterSet (or None) takes."""
    if filterset is None:
        return set(COMMON_PARAMETERS)
    fields = filterset.form.fields
    return COMMON_PARAMETERS | {param for name, field in fields.items() for param in parameter_names(name, field)}


def _hint(field: forms.Field, values: list[str]) -> str:
    """What the list accepts for this filter, in words a client can act on."""
    if isinstance(field, forms.MultiValueField) and field.fields:
        field = field.fields[0]  # a range: both ends are of one kind
    if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
        return _("No such object among yours: %(values)s.") % {"values": ", ".join(values)}
    if isinstance(field, forms.ChoiceField):  # also MultipleChoiceField
        allowed = [str(key) for key, _label in field.choices if key not in ("", None)]
        wrong = [value for value in values if value not in allowed] or values
        return _("%(values)s is not one of: %(allowed)s.") % {
            "values": ", ".join(repr(v) for v in wrong),
            "allowed": ", ".join(allowed),
        }
    if isinstance(field, forms.NullBooleanField | forms.BooleanField):
        return _("Use true or false.")
    if isinstance(field, forms.DateTimeField):
        return _(
            "Use an ISO 8601 date-time such as 2026-03-02T09:00:00Z or 2026-03-02T18:00:00+09:00 "
            "(without an offset it is read as Asia/Seoul time)."
        )
    if isinstance(field, forms.DateField):
        return _("Use a date as YYYY-MM-DD.")
    if isinstance(field, forms.UUIDField):
        return _("Use a UUID.")
    numeric = isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField)
    if numeric and not all(_is_number(value) for value in values):
        return _("Use a number.")
    return ""  # the form's own message (a bound such as min_value) says it


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _values(data, param: str) -> list:
    return data.getlist(param) if hasattr(data, "getlist") else [data[param]]


def filterset_errors(filterset) -> dict[str, list[str]]:
    """{parameter: [message]} for every given filter value that cannot match; {} when all can."""
    form = filterset.form
    data = filterset.data
    form.is_valid()
    errors: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        given = [param for param in parameter_names(name, field) if param in data]
        if not given:
            continue
        values = [str(value) for param in given for value in _values(data, param)]
        if name in form.errors:
            hint = _hint(field, values)
            messages = [hint] if hint else list(form.errors[name])
        elif isinstance(field, forms.NullBooleanField) and any(value not in BOOLEAN_VALUES for value in values):
            # Django's NullBooleanField reads anything else as "no filter": the value would be ignored.
            messages = [_hint(field, values)]
        else:
            continue
        for param in given:
            errors[param] = messages
    for name, messages in form.errors.items():  # a form-wide check (a clean() of the FilterSet)
        if name not in form.fields:
            errors[name] = list(messages)
    return errors


def reject_unknown_parameters(query_params, known: set[str]) -> None:
    """400 naming the known parameters when the request sends any other (a misspelt filter)."""
    unknown = sorted(set(query_params) - known)
    if unknown:
        accepted = ", ".join(sorted(known))
        message = _("Unknown parameter. This list takes: %(accepted)s.") % {"accepted": accepted}
        raise ValidationError({param: [message] for param in unknown})


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, with a 400 that names the accepted values and parameters instead of a silent
    "no filter" (see the module docstring). Detail routes keep django-filter's plain behaviour."""

    def get_filterset_kwargs(self, request, queryset, view):
        """An empty value (``?status=``, as a form with nothing chosen sends it) is no filter, whatever
        the filter's kind; django-filter alone refuses it for a multiple choice or a boolean."""
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = kwargs["data"].copy()
        for key in list(data):
            values = [value for value in data.getlist(key) if value != ""]
            if values:
                data.setlist(key, values)
            else:
                del data[key]
        kwargs["data"] = data
        return kwargs

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "detail", True):
            return super().filter_queryset(request, queryset, view)
        filterset = self.get_filterset(request, queryset, view)
        reject_unknown_parameters(request.query_params, known_parameters(filterset))
        if filterset is None:
            return queryset
        errors = filterset_errors(filterset)
        if errors:
            raise ValidationError(errors)
        return filterset.qs


class StrictOrderingFilter(filters.OrderingFilter):
    """``ordering`` on a field the list cannot sort by is a 400 listing the ones it can (DRF drops it)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        ordering, unknown = [], []
        for term in (part.strip() for part in params.split(",")):
            if not term:
                continue
            (ordering if term.removeprefix("-") in valid else unknown).append(term)
        if unknown:
            accepted = sorted(valid)
            raise ValidationError(
                {
                    self.ordering_param: [
                        _(
                            "Cannot order by %(unknown)s. Use one of: %(accepted)s "
                            "(prefix - for descending; separate several with commas)."
                        )
                        % {"unknown": ", ".join(unknown), "accepted": ", ".join(accepted)}
                    ]
                }
            )
        return ordering or self.get_default_ordering(view)
