"""No function of the shipped code without a caller (issue 17: dead helpers had piled up).

vulture reads the product packages (tests and migrations left out: a function only a test calls is
dead in the product). Functions that Django, Celery or the node registry call by registration are
recognised by their decorators; class-level names (admin options, serializer Meta, views'
attributes) are read by the frameworks and not checked here.
"""

import subprocess
import sys

from django.conf import settings

PRODUCT = ["apps", "common", "services", "salesone", "bench", "celery_app.py"]
REGISTERED_BY = "@shared_task,@receiver,@*.register,@*.connect,@*.task,@register_node,@admin.action"
# Functions kept on purpose though nothing in the product calls them yet, each with why.
KEPT = {
    # The inbound route matches a reply+<token>@TRACKING_REPLY_DOMAIN recipient to its result
    # (apps/tracking/replies.py); campaigns set the user's own address as Reply-To today, so replies
    # are matched by their In-Reply-To/References, and this is the address a deployment that wants
    # replies routed through us would set.
    "reply_address",
}


def _unused_functions() -> list[str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vulture",
            *PRODUCT,
            "--exclude",
            "*/tests/*,*/migrations/*",
            "--min-confidence",
            "60",
            "--ignore-decorators",
            REGISTERED_BY,
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 3), result.stderr  # 3: vulture found something
    lines = [line for line in result.stdout.splitlines() if "unused function" in line]
    return [line for line in lines if line.split("'")[1] not in KEPT]


def test_every_function_of_the_product_has_a_caller():
    unused = _unused_functions()
    assert not unused, "functions no product code calls (delete them, or say in KEPT why not):\n" + "\n".join(unused)


def test_the_check_finds_a_function_without_a_caller():
    probe = settings.BASE_DIR / "common" / "dead_code_probe.py"
    probe.write_text("def a_helper_nobody_calls():\n    return 1\n")
    try:
        assert any("a_helper_nobody_calls" in line for line in _unused_functions())
    finally:
        probe.unlink()
