import re
import subprocess
import sys

from django.conf import settings

LIST_NAMES = (
    "from salesone.settings import env, development, production\n"  # production: its own variables
    "print(' '.join(sorted(env.NAMES)))"
)


def test_env_example_lists_every_variable_the_settings_read():
    result = subprocess.run(
        [sys.executable, "-c", LIST_NAMES],
        cwd=settings.BASE_DIR,
        env={"SECRET_KEY": "x" * 50, "DEBUG": "false", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    read = set(result.stdout.split())
    assert "TRACKING_STREAM_BASE_URL" in read and "SECURE_HSTS_SECONDS" in read  # the probe itself works
    example = (settings.BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert sorted(read - listed) == []
