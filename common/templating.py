"""The one renderer for every Jinja template a user writes (campaign e-mails, workflow nodes), bounded.

A user template may run for at most TEMPLATE_RENDER_TIME_LIMIT_MS of CPU time, write at most
TEMPLATE_OUTPUT_LIMIT_CHARS characters (captured blocks and macro output included), build no string or
list longer than that, compute no integer longer than TEMPLATE_INTEGER_DIGITS_LIMIT digits and run its
loops at most TEMPLATE_LOOP_ITERATIONS_LIMIT times. The limits are checked *before* an operation that
would break them (``9**(9**7)``, ``'a' * 10**9``, ``'x'.center(10**9)`` never start), and the clock is
read at every loop iteration, call, filter and output, so a render stops within one bounded step of
its limit. No signal and no thread: requests render in gunicorn's worker threads, where SIGALRM does
not reach. Nothing is evaluated when a template is compiled (Jinja's constant folding is off), so a
save never computes a user's expression.

Every error a render raises is a ``jinja2.TemplateError`` (``TemplateRenderError``, or
``TemplateLimitError`` for a limit) whose message names the error or the limit and the template line.
"""

from __future__ import annotations

import contextvars
import functools
import math
import re
import string
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from jinja2 import ChainableUndefined, Undefined, nodes, pass_eval_context
from jinja2 import filters as jinja_filters
from jinja2.compiler import CodeGenerator
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError
from jinja2.parser import Parser
from jinja2.runtime import Context, LoopContext, Namespace, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

__all__ = [
    "TemplateLimitError",
    "TemplateLimits",
    "TemplateRenderError",
    "compile_expression",
    "environment",
    "one_render",
    "render",
    "render_module",
]

_LOG2_10 = math.log2(10)


@dataclass(frozen=True)
class TemplateLimits:
    time_ms: int = 200
    output_chars: int = 256 * 1024
    integer_digits: int = 1000
    loop_iterations: int = 100_000

    @classmethod
    def from_settings(cls) -> TemplateLimits:
        """The limits the settings give; built once, again only after one of them changes."""
        return _limits_from_settings()


_LIMIT_SETTINGS = frozenset(
    {
        "TEMPLATE_RENDER_TIME_LIMIT_MS",
        "TEMPLATE_OUTPUT_LIMIT_CHARS",
        "TEMPLATE_INTEGER_DIGITS_LIMIT",
        "TEMPLATE_LOOP_ITERATIONS_LIMIT",
    }
)


# Every render asks for its limits (a campaign asks once per lead): reading four settings through
# the lazy settings object and building the dataclass each time is work for an answer that only
# changes when a setting does, which is never in a running server.
@functools.lru_cache(maxsize=1)
def _limits_from_settings() -> TemplateLimits:
    return TemplateLimits(
        time_ms=settings.TEMPLATE_RENDER_TIME_LIMIT_MS,
        output_chars=settings.TEMPLATE_OUTPUT_LIMIT_CHARS,
        integer_digits=settings.TEMPLATE_INTEGER_DIGITS_LIMIT,
        loop_iterations=settings.TEMPLATE_LOOP_ITERATIONS_LIMIT,
    )


@receiver(setting_changed)
def _forget_limits(*, setting, **kwargs) -> None:
    if setting in _LIMIT_SETTINGS:  # override_settings in tests, as Django clears its own caches
        _limits_from_settings.cache_clear()


class TemplateRenderError(TemplateError):
    """A template that failed while rendering; ``str()`` names the error and the template line."""

    def __init__(self, message: str, *, lineno: int | None = None):
        super().__init__(message)
        self.lineno = lineno

    def __str__(self) -> str:
        return f"Line {self.lineno}: {self.message}" if self.lineno else str(self.message)


class TemplateLimitError(TemplateRenderError, SecurityError):
    """A render stopped at one of its limits; ``setting`` names the setting that holds the limit."""

    def __init__(self, message: str, *, setting: str, lineno: int | None = None):
        super().__init__(f"{message} ({setting})", lineno=lineno)
        self.setting = setting


# -- the budget of one render ---------------------------------------------------------------------

_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("template_budget", default=None)


class _Budget:
    """What one render may still spend. Time is the thread's CPU time; the wall clock (cheap to read)
    tells when the CPU clock (a system call) is worth reading: CPU time never runs ahead of it."""

    __slots__ = (
        "cpu_limit",
        "cpu_start",
        "iterations_left",
        "limits",
        "max_int_bits",
        "max_length",
        "output_left",
        "wall_deadline",
    )

    def __init__(self, limits: TemplateLimits):
        self.limits = limits
        self.output_left = limits.output_chars
        self.iterations_left = limits.loop_iterations
        self.max_length = limits.output_chars
        self.max_int_bits = math.ceil(limits.integer_digits * _LOG2_10)
        self.cpu_limit = limits.time_ms / 1000
        self.cpu_start = time.thread_time()
        self.wall_deadline = time.perf_counter() + self.cpu_limit

    def check_time(self) -> None:
        if time.perf_counter() > self.wall_deadline:
            used = time.thread_time() - self.cpu_start
            if used > self.cpu_limit:
                raise TemplateLimitError(
                    f"Rendering took more than {self.limits.time_ms:,} ms of CPU time",
                    setting="TEMPLATE_RENDER_TIME_LIMIT_MS",
                )
            self.wall_deadline = time.perf_counter() + (self.cpu_limit - used)

    def charge_output(self, count: int) -> None:
        self.output_left -= count
        if self.output_left < 0:
            raise self.too_much_output()

    def too_much_output(self) -> TemplateLimitError:
        return TemplateLimitError(
            f"The template writes more than {self.limits.output_chars:,} characters",
            setting="TEMPLATE_OUTPUT_LIMIT_CHARS",
        )

    def iterate(self) -> None:
        self.iterations_left -= 1
        if self.iterations_left < 0:
            raise self.too_many_iterations()
        self.check_time()

    def too_many_iterations(self) -> TemplateLimitError:
        return TemplateLimitError(
            f"The template's loops run more than {self.limits.loop_iterations:,} times",
            setting="TEMPLATE_LOOP_ITERATIONS_LIMIT",
        )

    def too_long(self, length: int | float) -> TemplateLimitError:
        return TemplateLimitError(
            f"The template builds a value of {int(length):,} characters or items, over the limit of "
            f"{self.max_length:,}",
            setting="TEMPLATE_OUTPUT_LIMIT_CHARS",
        )

    def too_big(self) -> TemplateLimitError:
        return TemplateLimitError(
            f"The template computes an integer longer than {self.limits.integer_digits:,} digits",
            setting="TEMPLATE_INTEGER_DIGITS_LIMIT",
        )

    def check_length(self, length: int | float) -> None:
        if length > self.max_length:
            raise self.too_long(length)

    def check_value(self, value: Any) -> Any:
        """A value an operation produced: an integer within the digits, a sequence within the length."""
        if isinstance(value, int):
            if value.bit_length() > self.max_int_bits:
                raise self.too_big()
        elif isinstance(value, str | bytes | list | tuple | dict | set | frozenset) and len(value) > self.max_length:
            raise self.too_long(len(value))
        return value

    def check_text(self, *values: Any) -> int:
        """The characters ``str()`` of the values may take (an estimate from above), within the limit."""
        total = 0
        for value in values:
            total += text_size(value, self.max_length - total)
            self.check_length(total)
        return total


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:
        # Fail closed: a user template rendered around this module would run without limits.
        raise TemplateRenderError("A user template was rendered without its limits (use common.templating).")
    return budget


def text_size(value: Any, limit: int) -> int:
    """An upper estimate of ``len(str(value))`` that stops counting once it passes ``limit``.

    ``str()`` of a list holding the same long string a thousand times is a thousand times that
    string: the size is walked, not taken from ``len()``. Escaping and ``repr`` quotes can still
    make the text longer by a small factor; the results are checked again after they are built.
    """
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Undefined):
        return 0
    if isinstance(value, int):
        return value.bit_length() * 31 // 100 + 2
    if isinstance(value, float | complex | bool) or value is None:
        return 48
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        total += 4
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif isinstance(item, int | float | complex | bool) or item is None:
            total += text_size(item, limit)
        elif isinstance(item, Namespace):
            stack.extend(item._Namespace__attrs.values())  # a namespace() prints its attributes
            total += 32
        else:
            total += 64
        if total > limit:
            return total
    return total


# -- checks of operations that can build something huge before anything is written ---------------

_DIGITS = re.compile(r"\d+")
# A %-conversion's width and precision: "%-10s", "%.200f", "%*d", "%(name)08.3f".
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_format(budget: _Budget, template: Any, args: tuple, kwargs: dict | None = None, *, braces: bool) -> None:
    """``'%s' % x``, ``|format`` (``braces=False``) and ``'{:>9}'.format(x)``: widths, precisions
    and fields, each as long as the longest argument, must fit before the text is built."""
    text = str(template)
    values = [*args, *(kwargs or {}).values()]
    if len(values) == 1 and isinstance(values[0], dict):
        values = list(values[0].values())
    if braces:
        specs = [spec or "" for _, name, spec, _ in string.Formatter().parse(text) if name is not None]
        widths = [digits for spec in specs for digits in _DIGITS.findall(spec)]
        from_arguments = any("{" in spec for spec in specs)
    else:
        specs = [match.groups() for match in _PERCENT_SPEC.finditer(text)]
        widths = [part for groups in specs for part in groups if part and part != "*"]
        from_arguments = any("*" in groups for groups in specs)
    if any(len(digits) > 12 for digits in widths):
        raise budget.too_long(10**12)
    widest = max((int(digits) for digits in widths), default=0)
    if from_arguments:
        widest = max([widest, *(v for v in values if isinstance(v, int))])
    largest = max((text_size(v, budget.max_length) for v in values), default=0)
    budget.check_length(len(text) + len(specs) * (largest + widest))


def _check_str_method(budget: _Budget, method: Any, args: tuple, kwargs: dict) -> list | None:
    """Methods of str (and bytes, Markup) that can return far more than they are given."""
    name = method.__name__
    text = method.__self__
    if name in ("center", "ljust", "rjust", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int):
            budget.check_length(width)
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int):
            budget.check_length(len(text) + text.count("\t" if isinstance(text, str) else b"\t") * size)
    elif name == "replace" and len(args) >= 2:
        _check_replace(budget, text, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "join" and args:
        items = list(args[0])
        budget.check_length(len(text) * max(len(items) - 1, 0) + budget.check_text(*items))
        return items
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((text_size(v, budget.max_length) for v in args[0].values()), default=1)
        budget.check_length(len(text) * max(longest, 1))
    return None


def _check_replace(budget: _Budget, text: Any, old: Any, new: Any, count: Any) -> None:
    if not isinstance(text, str | bytes) or not isinstance(old, str | bytes) or not isinstance(new, str | bytes):
        return
    found = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    budget.check_length(len(text) + found * max(len(new) - len(old), 0))


def _int_method_check(budget: _Budget, method: Any, args: tuple, kwargs: dict) -> None:
    if method.__name__ == "to_bytes":
        length = args[0] if args else kwargs.get("length", 1)
        if isinstance(length, int):
            budget.check_length(length)


# -- filters: each runs under the budget; those that can multiply their input are checked first ---


def _text_filter(func):
    """A filter that turns its input into text: the input's text must fit before it is built."""
    offset = 1 if getattr(func, "jinja_pass_arg", None) else 0

    @functools.wraps(func)
    def bounded(*args, **kwargs):
        budget = _budget()
        budget.check_text(*args[offset:], *kwargs.values())
        return budget.check_value(func(*args, **kwargs))

    return bounded


def _plain_filter(func):
    @functools.wraps(func)
    def bounded(*args, **kwargs):
        budget = _budget()
        budget.check_time()
        result = func(*args, **kwargs)
        budget.check_time()
        return budget.check_value(result)

    return bounded


def _f_center(value, width=80):
    budget = _budget()
    budget.check_text(value)
    if isinstance(width, int):
        budget.check_length(width)
    return jinja_filters.do_center(value, width)


def _f_indent(s, width=4, first=False, blank=False):
    budget = _budget()
    size = budget.check_text(s)
    text = str(s)
    pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    budget.check_length(size + (text.count("\n") + 1) * max(pad, 0))
    return jinja_filters.do_indent(s, width, first, blank)


@pass_eval_context
def _f_join(eval_ctx, value, d="", attribute=None):
    budget = _budget()
    items = list(value)
    budget.check_length(budget.check_text(*items) + budget.check_text(d) * max(len(items) - 1, 0))
    return budget.check_value(jinja_filters.do_join(eval_ctx, items, d, attribute))


@pass_eval_context
def _f_replace(eval_ctx, s, old, new, count=None):
    budget = _budget()
    budget.check_text(s, old, new)
    _check_replace(budget, str(s), str(old), str(new), count)
    return budget.check_value(jinja_filters.do_replace(eval_ctx, s, old, new, count))


def _f_wordwrap(environment, s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True):
    budget = _budget()
    size = budget.check_text(s)
    separator = text_size(wrapstring, budget.max_length) if wrapstring is not None else 2
    budget.check_length(size + (size + 1) * separator)
    return budget.check_value(
        jinja_filters.do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)
    )


_f_wordwrap.jinja_pass_arg = jinja_filters.do_wordwrap.jinja_pass_arg


def _f_format(value, *args, **kwargs):
    budget = _budget()
    budget.check_text(value)
    _check_format(budget, value, args, kwargs, braces=False)
    return budget.check_value(jinja_filters.do_format(value, *args, **kwargs))


def _f_batch(value, linecount, fill_with=None):
    budget = _budget()
    if fill_with is not None and isinstance(linecount, int):
        budget.check_length(linecount)
    return jinja_filters.do_batch(value, linecount, fill_with)


def _f_slice(value, slices, fill_with=None):
    budget = _budget()
    if isinstance(slices, int):
        budget.check_length(slices)
    return jinja_filters.do_slice(value, slices, fill_with)


def _f_sum(environment, iterable, attribute=None, start=0):
    # Adding lists or tuples copies the sum so far at every step: numbers only.
    budget = _budget()
    if attribute is not None:
        iterable = map(jinja_filters.make_attrgetter(environment, attribute), iterable)
    items = list(iterable)
    if not all(isinstance(item, int | float) for item in [start, *items]):
        raise TemplateRenderError("sum adds numbers only.")
    return budget.check_value(sum(items, start))


_f_sum.jinja_pass_arg = jinja_filters.do_sum.jinja_pass_arg


def _nesting(value: Any, limit: int = 100) -> int:
    depth, level = 0, [value]
    while level and depth < limit:
        depth += 1
        nxt = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(item.values())
            elif isinstance(item, list | tuple):
                nxt.extend(item)
        level = nxt
    return depth


@pass_eval_context
def _f_tojson(eval_ctx, value, indent=None):
    budget = _budget()
    size = budget.check_text(value)
    if isinstance(indent, int) and indent > 0:
        budget.check_length(size * (1 + indent * _nesting(value)))
    return budget.check_value(jinja_filters.do_tojson(eval_ctx, value, indent))


def _f_pprint(value):
    budget = _budget()
    size = budget.check_text(value)
    budget.check_length(size * (2 + _nesting(value)))
    return budget.check_value(jinja_filters.do_pprint(value))


@pass_eval_context
def _f_urlize(eval_ctx, value, trim_url_limit=None, nofollow=False, target=None, rel=None, extra_schemes=None):
    budget = _budget()
    size = budget.check_text(value)
    extra = budget.check_text(target or "", rel or "")
    budget.check_length(size * 3 + (size // 4 + 1) * (extra + 64) if extra else size * 3)
    return budget.check_value(
        jinja_filters.do_urlize(eval_ctx, value, trim_url_limit, nofollow, target, rel, extra_schemes)
    )


_SPECIFIC_FILTERS = {
    "batch": _f_batch,
    "center": _f_center,
    "format": _f_format,
    "indent": _f_indent,
    "join": _f_join,
    "pprint": _f_pprint,
    "replace": _f_replace,
    "slice": _f_slice,
    "sum": _f_sum,
    "tojson": _f_tojson,
    "urlize": _f_urlize,
    "wordwrap": _f_wordwrap,
}
_TEXT_FILTERS = frozenset(
    {
        "capitalize",
        "e",
        "escape",
        "filesizeformat",
        "float",
        "forceescape",
        "int",
        "lower",
        "safe",
        "string",
        "striptags",
        "title",
        "trim",
        "truncate",
        "upper",
        "urlencode",
        "wordcount",
        "xmlattr",
    }
)


def _bounded_filters(stock: dict) -> dict:
    bounded = {}
    for name, func in stock.items():
        if name in _SPECIFIC_FILTERS:
            bounded[name] = _plain_filter(_SPECIFIC_FILTERS[name])
        elif name in _TEXT_FILTERS:
            bounded[name] = _text_filter(func)
        else:
            bounded[name] = _plain_filter(func)
    return bounded


# -- globals --------------------------------------------------------------------------------------


def _range(*args):
    budget = _budget()
    numbers = range(*args)
    length = numbers.stop - numbers.start
    length = max(0, -(-length // numbers.step) if numbers.step > 0 else -(length // -numbers.step))
    if length > budget.limits.loop_iterations:
        shown = f"{length:,}" if length < 10**15 else "more than 10^15"
        raise TemplateLimitError(
            f"range() of {shown} numbers is over the limit of {budget.limits.loop_iterations:,} loop iterations",
            setting="TEMPLATE_LOOP_ITERATIONS_LIMIT",
        )
    return numbers


def _lipsum(n=5, html=True, min=20, max=100):
    budget = _budget()
    if isinstance(n, int) and isinstance(max, int):
        budget.check_length(n * max * 12)
    return generate_lorem_ipsum(n, html, min, max)


# -- the environment ------------------------------------------------------------------------------


class _BoundedCodeGenerator(CodeGenerator):
    """Generated code that charges its static text, guards its loops and bounds ``~``."""

    def visit_Output(self, node: nodes.Output, frame) -> None:
        # Text written once per render (outside loops, macros and captured blocks) is bounded by the
        # source and counted in the rendered total; text that can repeat is charged as it goes.
        static = sum(len(child.data) for child in node.nodes if isinstance(child, nodes.TemplateData))
        if static and not frame.toplevel:
            self.writeline(f"environment.charge_output({static})")
        super().visit_Output(node, frame)

    def visit_For(self, node: nodes.For, frame) -> None:
        guarded = nodes.For(
            node.target,
            nodes.Call(nodes.EnvironmentAttribute("guard_loop"), [node.iter], [], None, None, lineno=node.lineno),
            node.body,
            node.else_,
            node.test,
            node.recursive,
            lineno=node.lineno,
        )
        super().visit_For(guarded, frame)

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {bool(frame.eval_ctx.autoescape)!r})")


@pass_eval_context  # a finalizer taking the eval context is never run at compile time (no folding)
def _finalize(eval_ctx, value: Any) -> Any:
    """Every ``{{ expression }}`` passes here: its text is counted before ``str()`` builds it (it is
    escaped afterwards, which ``_render`` allows for by checking the total once more)."""
    budget = _BUDGET.get() or _budget()
    budget.output_left -= len(value) if type(value) is str else text_size(value, budget.max_length)
    if budget.output_left < 0:
        raise budget.too_much_output()
    return value


_DICT_ATTRIBUTES = frozenset(dir(dict))


def is_dict_item(obj: Any, attribute: str) -> bool:
    """Whether ``obj.attribute`` in a template is ``obj[attribute]`` outright: ``obj`` a plain dict and
    the name not one of dict's own (those still resolve as the stock lookup does). The environment's
    getattr and the chunk merge (apps/campaigns/merge_render.py) both ask this, so they cannot drift."""
    return type(obj) is dict and attribute not in _DICT_ATTRIBUTES


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with every operation that can grow a value checked against the budget."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self, **options):
        super().__init__(optimized=False, finalize=_finalize, **options)
        self.filters = _bounded_filters(self.filters)
        self.globals["range"] = _range
        self.globals["lipsum"] = _lipsum

    # hooks called by the generated code

    def charge_output(self, count: int) -> None:
        _budget().charge_output(count)

    def guard_loop(self, iterable):
        budget = _budget()
        if isinstance(iterable, range | list | tuple | str | dict) and len(iterable) > budget.iterations_left:
            raise budget.too_many_iterations()
        for item in iterable:
            budget.iterate()
            yield item

    def bounded_concat(self, values: tuple, autoescape: bool) -> str:
        budget = _budget()
        budget.check_text(*values)
        return budget.check_value(markup_join(values) if autoescape else str_join(values))

    # sandbox hooks

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _budget()
        budget.check_time()
        if operator == "**":
            self._check_power(budget, left, right)
        elif operator == "*":
            self._check_product(budget, left, right)
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                budget.check_length(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            _check_format(budget, left, right if isinstance(right, tuple) else (right,), braces=False)
        return budget.check_value(self.binop_table[operator](left, right))

    @staticmethod
    def _check_power(budget: _Budget, base: Any, exponent: Any) -> None:
        if not (isinstance(base, int) and isinstance(exponent, int)) or exponent <= 1 or abs(base) <= 1:
            return
        if exponent > budget.max_int_bits or exponent * math.log2(abs(base)) > budget.max_int_bits:
            raise budget.too_big()

    @staticmethod
    def _check_product(budget: _Budget, left: Any, right: Any) -> None:
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > budget.max_int_bits + 1:
                raise budget.too_big()
            return
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int):
                budget.check_length(len(sequence) * times)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        budget.check_time()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str | bytes) and getattr(__obj, "__name__", None):
            items = _check_str_method(budget, __obj, args, kwargs)
            if items is not None:  # a join over an iterator, already consumed to be measured
                args = (items, *args[1:])
        elif isinstance(owner, int) and not isinstance(owner, bool):
            _int_method_check(budget, __obj, args, kwargs)
        elif isinstance(__obj, LoopContext) and args:  # loop(children) of a recursive loop
            args = (__self.guard_loop(args[0]), *args[1:])
        result = super().call(__context, __obj, *args, **kwargs)
        budget.check_time()
        return budget.check_value(result)

    def wrap_str_format(self, value: Any):
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        text = value.__self__

        def bounded(*args: Any, **kwargs: Any) -> str:
            _check_format(_budget(), text, args, kwargs, braces=True)
            return wrapper(*args, **kwargs)

        return bounded

    def getattr(self, obj: Any, attribute: str) -> Any:
        # ``company.name`` on plain dicts, many lookups per e-mail: go to the item at once instead of
        # through a raised AttributeError. Same result as the stock lookup, which still takes every
        # other case (dict methods, other types).
        if is_dict_item(obj, attribute):
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str):
        # The stock sandbox returns an Undefined that prints as "" — silently. A template that
        # reaches for internals is an attack or a mistake; either way it must not be used.
        raise SecurityError(f"Access to {attribute!r} of a {type(obj).__name__} is not allowed in templates.")


def environment(*, autoescape: bool, **options) -> BoundedEnvironment:
    """A bounded environment; user-visible undefined values print as nothing."""
    return BoundedEnvironment(autoescape=autoescape, undefined=ChainableUndefined, **options)


# -- rendering ------------------------------------------------------------------------------------


def _template_line(exc: BaseException) -> int | None:
    """The template line the exception came from (the innermost template frame of its traceback)."""
    lineno = None
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            lineno = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return lineno


class one_render:
    """Templates rendered inside share one budget: an e-mail's subject and body are one render."""

    __slots__ = ("limits", "token")

    def __init__(self, limits: TemplateLimits | None = None):
        self.limits = limits

    def __enter__(self) -> None:
        self.token = _BUDGET.set(_Budget(self.limits or TemplateLimits.from_settings()))

    def __exit__(self, *_exc_info) -> None:
        _BUDGET.reset(self.token)


def _render(template, variables: dict, limits: TemplateLimits | None, shared: bool) -> tuple[TemplateModule, str]:
    """Render a compiled template of a ``BoundedEnvironment`` within the limits (those of the enclosing
    ``one_render``, if any): Jinja's ``TemplateModule`` (the template's top-level ``{% set %}`` names
    are its attributes) and the output.

    ``shared=True`` renders with ``variables`` as they are, without merging the environment's globals
    into a fresh dict each time: the caller merged them once (a campaign's batch of leads). Both go
    through Jinja's public ``Template.make_module``, so a Jinja upgrade cannot change how a template
    is run underneath the limits.
    """
    budget = _BUDGET.get()
    token = None
    if budget is None:
        budget = _Budget(limits or TemplateLimits.from_settings())
        token = _BUDGET.set(budget)
    try:
        module = template.make_module(variables, shared=shared)
        output = str(module)
        if len(output) > budget.max_length:  # escaping made it longer than what was counted
            raise budget.too_much_output()
        return module, output
    except TemplateRenderError as exc:
        if exc.lineno is None:
            exc.lineno = _template_line(exc)
        raise
    except TemplateError as exc:
        raise TemplateRenderError(exc.message or type(exc).__name__, lineno=_template_line(exc)) from exc
    except Exception as exc:  # a user's template failing in any way is their error, with its line
        raise TemplateRenderError(f"{type(exc).__name__}: {exc}", lineno=_template_line(exc)) from exc
    finally:
        if token is not None:
            _BUDGET.reset(token)


def render(template, variables: dict, limits: TemplateLimits | None = None, *, shared: bool = False) -> str:
    """The rendered text of a compiled template of a ``BoundedEnvironment``, within the limits."""
    return _render(template, variables, limits, shared)[1]


def render_module(template, variables: dict, limits: TemplateLimits | None = None) -> TemplateModule:
    """Render within the limits for the template's top-level ``{% set %}`` names (its attributes)."""
    return _render(template, variables, limits, False)[0]


class BoundedExpression:
    """One expression (``record.amount * 1.1``) compiled in a bounded environment; calling it
    evaluates it within the limits and returns its value (an undefined value is None)."""

    def __init__(self, template):
        self.template = template

    def __call__(self, variables: dict, limits: TemplateLimits | None = None) -> Any:
        limits = limits or TemplateLimits.from_settings()
        result = render_module(self.template, variables, limits).result
        if isinstance(result, Undefined):
            return None
        # The value is stored or sent as it is: its text counts like written output (a list holding
        # one long string a thousand times is a thousand long strings once stored as JSON).
        if not isinstance(result, int | float | bool):
            size = text_size(result, limits.output_chars)
            if size > limits.output_chars:
                raise TemplateLimitError(
                    f"The expression's value takes more than {limits.output_chars:,} characters",
                    setting="TEMPLATE_OUTPUT_LIMIT_CHARS",
                    lineno=1,
                )
        return result


def compile_expression(env: BoundedEnvironment, source: str) -> BoundedExpression:
    """Jinja's ``compile_expression``, bounded when it runs (raises ``TemplateSyntaxError``)."""
    parser = Parser(env, source, state="variable")
    expression = parser.parse_expression()
    if not parser.stream.eos:
        raise TemplateSyntaxError("Unexpected text after the expression.", parser.stream.current.lineno)
    body = nodes.Template([nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)], lineno=1)
    body.set_environment(env)
    return BoundedExpression(env.from_string(body))


# Jinja renders a compiled template through ``Template.render``; templates of this environment
# render within the limits that way too, so no caller can forget them.
class _BoundedTemplate(BoundedEnvironment.template_class):
    def render(self, *args, **kwargs) -> str:
        return render(self, dict(*args, **kwargs))


BoundedEnvironment.template_class = _BoundedTemplate
