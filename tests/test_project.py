"""Project-wide rules: layering, documentation of every command, the changelog."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_MODULES = [
    "mediarec.app",
    "mediarec.cli",
    "mediarec.cli.doctor",
    "mediarec.index.store",
    "mediarec.scan.sync",
    "mediarec.media.keyframes",
    "mediarec.models.model_set",
    "mediarec.pipeline.indexer",
    "mediarec.player",
    "mediarec.rank.search",
]


def _contracts() -> dict[str, dict]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["name"]: contract for contract in pyproject["tool"]["importlinter"]["contracts"]}


def _top_level_modules() -> set[str]:
    """mediarec's packages and top-level modules, except the entry points."""
    package = ROOT / "mediarec"
    names = {path.name for path in package.iterdir() if (path / "__init__.py").exists()}
    names |= {path.stem for path in package.glob("*.py") if path.stem not in {"__init__", "__main__"}}
    return {f"mediarec.{name}" for name in names}


def test_qt_ban_covers_every_package_but_the_ui():
    banned = set(_contracts()["Only mediarec.ui imports Qt"]["source_modules"])
    assert banned == _top_level_modules() - {"mediarec.ui"}


def test_every_package_sits_in_a_layer():
    layers = _contracts()["Layers"]["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    assert placed == _top_level_modules()


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the dev extra"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_imports_and_runs_without_qt(tmp_path):
    # Make any import of PySide6 fail, as on a headless batch machine without it.
    program = (
        "import sys; sys.modules['PySide6'] = None; sys.modules['shiboken6'] = None\n"
        + "".join(f"import {module}\n" for module in CORE_MODULES)
        + "from mediarec.cli import main\n"
        + f"sys.exit(main(['--data-dir', {str(tmp_path)!r}, 'doctor']))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "library database" in result.stdout


def test_every_command_is_documented_in_the_readme():
    from mediarec.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(action for action in parser._actions if action.dest == "command").choices
    undocumented = [name for name in commands if f"mediarec {name}" not in readme]
    assert not undocumented, f"commands missing from README.md: {undocumented}"


def test_changelog_has_an_unreleased_section():
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
