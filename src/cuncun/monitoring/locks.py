"""Row locks of the monitoring app."""

from cuncun.monitoring.models import RollupVersion


def lock_rollups() -> RollupVersion:
    """One rebuild of the rollups at a time, whichever worker runs it: the version row, locked
    before the rebuild reads the records. Two rebuilds of one month (two payments, two workers)
    could otherwise each delete the rows they see and insert their own, leaving both; and the
    rebuild that commits last has read every record committed before it began."""
    version, _created = RollupVersion.objects.select_for_update().get_or_create(pk=1)
    return version
