"""The README stays true: every environment variable the settings read is in its table, and
it shows the two commands."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "dac_portal" / "settings").glob("*.py"):
        names |= set(re.findall(r'env(?:\.[a-z_]+)?\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text()))
    return names


def test_every_environment_variable_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.M))
    missing = sorted(_variables_read_by_settings() - documented)
    assert not missing, f"Add these to the README's configuration table: {missing}"


def test_the_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
