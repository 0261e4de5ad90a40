"""iPhone backups (Finder / iTunes): apps, configuration profiles, supervision, jailbreak traces, Safari.

`check_ios_backup(path, indicators, password=None)` returns a `CheckReport`; `is_ios_backup(path)` tells
whether a path looks like such a backup, for choosing the right reader.
"""

from stalkproof.digital.phone.ios.backup import is_ios_backup
from stalkproof.digital.phone.ios.report import check_ios_backup

__all__ = ["check_ios_backup", "is_ios_backup"]
