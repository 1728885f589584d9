"""The site's clock: what 'today' is in the site's zone, and how stored UTC timestamps are shown."""
import datetime
import zoneinfo

UTC = datetime.timezone.utc


class SiteClock:
    """Built once with the site's zone (`--timezone`); every date rule asks it what day it is."""

    def __init__(self, timezone):
        self.zone = zoneinfo.ZoneInfo(timezone)

    def now(self):
        return datetime.datetime.now(self.zone)

    def today(self):
        return self.now().date()

    def seconds_until_midnight(self):
        current = self.now()
        midnight = datetime.datetime.combine(current.date() + datetime.timedelta(days=1),
                                             datetime.time(), current.tzinfo)
        return max(1, int((midnight - current).total_seconds()))

    def show_timestamp(self, stored):
        """A naive UTC DATETIME from the database as `YYYY-MM-DD HH:MM:SS` in the site's zone."""
        return stored.replace(tzinfo=UTC).astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
