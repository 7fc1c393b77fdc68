"""Importing pyargus changes nothing outside pyargus."""

import subprocess
import sys

CHECK = """
import re, sys
compile_before = re.compile
import pyargus, pyargus.client, pyargus.api, pyargus.schemas
assert re.compile is compile_before, "re.compile was replaced"
ours = [f for f in sys.meta_path if type(f).__module__.startswith("pyargus")]
assert not ours, f"pyargus installed an import hook: {ours}"
from marshmallow.validate import Email
assert isinstance(Email.DOMAIN_REGEX, re.Pattern), type(Email.DOMAIN_REGEX)
assert re.match(Email.DOMAIN_REGEX, "a.org")
print("ok")
"""


def test_import_patches_nothing_in_the_standard_library_or_marshmallow():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
