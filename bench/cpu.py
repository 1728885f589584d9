"""The CPU time a server has used so far, read from /proc: every process of its process group
(a pre-forking server's parent and workers, and their threads, such as argon2's)."""
import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# /proc/<pid>/stat after the command's closing parenthesis: state ppid pgrp ... utime stime
PGRP, UTIME, STIME = 2, 11, 12


def group_seconds(pgid):
    """User plus system CPU seconds of the live processes in process group `pgid`."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                text = stat.read()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[PGRP]) == pgid:
            ticks += int(fields[UTIME]) + int(fields[STIME])
    return ticks / CLOCK_TICKS
