"""deploy/ihome.env.example, the settings a production host starts from, stays in step with the
server's options: every variable it sets is one, with a value the server accepts."""
import os
import pathlib
import subprocess
import sys

from tornado.options import options

import config  # noqa: F401 - defines the options checked below

ROOT = pathlib.Path(__file__).resolve().parents[2]


def example_settings():
    settings = {}
    for line in (ROOT / "deploy" / "ihome.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            settings[name] = value
    return settings


def test_the_example_environment_sets_only_server_options():
    for name in example_settings():
        assert name.startswith("IHOME_") and name.removeprefix("IHOME_").lower() in options, name


def test_the_server_accepts_every_value_of_the_example_environment():
    # config reads IHOME_* at import and exits on a value it cannot read as its option's type
    result = subprocess.run([sys.executable, "-c", "import config"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": os.environ.get("PATH", ""), **example_settings()}, timeout=60)
    assert result.returncode == 0, result.stderr
