"""Every check of acting for someone else goes through ``accounts.selectors.acting_for``.

The authorisations (``EnterpriseMember``) are read only by the accounts app's selectors (and
written by its services, shown by its admin, seeded by its demo); any other module that reads
them would be a second place deciding delegated authority, which is how the period was missed.
"""

from __future__ import annotations

import re
from pathlib import Path

import tongban

SRC = Path(tongban.__file__).resolve().parent
ALLOWED = {
    "accounts/selectors.py",
    "accounts/services.py",
    "accounts/models.py",
    "accounts/admin.py",
    "accounts/demo.py",
    "accounts/events.py",
}
READS = re.compile(r"EnterpriseMember\.objects|enterprise_memberships|\.members\.(filter|all|exclude|get)\(")


def test_no_module_outside_the_delegation_selector_reads_authorisations() -> None:
    # given every source module but tests and migrations
    offenders: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in rel or rel in ALLOWED:
            continue
        # when a module reads authorisations itself
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if READS.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    # then it is reported: use accounts.selectors.acting_for / user_can_act_for / holder_ids_for
    assert offenders == []


def test_the_check_itself_would_catch_a_reader() -> None:
    # given the line that used to decide licence holders without the period
    line = 'ids.extend(memberships.filter(active=True).values_list("enterprise__uscc", flat=True)); user.enterprise_memberships'
    # then the pattern matches it
    assert READS.search(line)
