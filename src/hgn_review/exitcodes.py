"""Named exit codes, shared by every command."""

OK = 0  # ran, nothing at or above --fail-on
FINDINGS = 1  # ran, findings at or above --fail-on
USAGE = 2  # the call's arguments are wrong
COULD_NOT_RUN = 3  # an input or configuration made the run impossible
INTERNAL = 4  # a bug in hgn: please report it
