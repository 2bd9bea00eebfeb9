"""The import contract of .importlinter holds (docs/architecture.md): common/ and services/ import no
app, and the apps import only the apps below them, save the named lazy seams. Each test here fails with
import-linter's report, which names the import and its line."""

import configparser
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
# Top-level directories that are no Python package of ours.
NOT_OURS = {".venv", "node_modules", "tools", "docs", "var", "media", "staticfiles"}


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    lint_imports = Path(sysconfig.get_path("scripts")) / "lint-imports"
    if not lint_imports.exists():  # a virtualenv whose python is a symlink: the script sits beside it
        lint_imports = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(lint_imports), str(cwd / ".importlinter"), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def _root_packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(CONFIG)
    return config["importlinter"]["root_packages"].split()


def _copy_of_the_code(destination: Path) -> Path:
    """The repository's Python packages and its contract, to break on purpose."""
    for package in _root_packages():
        shutil.copytree(ROOT / package, destination / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CONFIG, destination / ".importlinter")
    return destination


def test_the_import_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_python_package_of_the_repository_is_under_the_contract():
    packages = {
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and path.name not in NOT_OURS and (path / "__init__.py").exists()
    }
    assert packages - set(_root_packages()) == set(), "add these to root_packages in .importlinter"


@pytest.mark.parametrize(
    ("module", "source", "report"),
    [
        # common/ importing an app, even inside a function, breaks "common and services import no app".
        (
            "common/contract_probe.py",
            "def campaigns():\n    from apps.campaigns.models import Campaign\n\n    return Campaign\n",
            "common.contract_probe -> apps.campaigns.models",
        ),
        ("services/contract_probe.py", "import apps.mail.models\n", "services.contract_probe -> apps.mail.models"),
        # The lowest app importing the highest breaks the app layers.
        (
            "apps/mail/contract_probe.py",
            "from apps.workflows.models import Workflow\n",
            "apps.mail.contract_probe -> apps.workflows.models",
        ),
        # An app importing the project package (its settings, its URLs) breaks the project layers.
        ("apps/leads/contract_probe.py", "import salesone.urls\n", "apps.leads.contract_probe -> salesone.urls"),
    ],
)
def test_a_forbidden_import_breaks_the_contract(tmp_path, module, source, report):
    code = _copy_of_the_code(tmp_path)
    (code / module).write_text(source)
    result = _lint_imports(code)
    assert result.returncode == 1, result.stdout + result.stderr
    assert report in " ".join(result.stdout.split()), result.stdout


def test_a_new_app_without_a_place_in_the_layers_breaks_the_contract(tmp_path):
    code = _copy_of_the_code(tmp_path)
    (code / "apps" / "newcomer").mkdir()
    (code / "apps" / "newcomer" / "__init__.py").write_text("")
    result = _lint_imports(code)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "apps.newcomer" in result.stdout
