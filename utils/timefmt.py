"""The site's time zone: what 'today' is, and how stored UTC timestamps are shown."""
import datetime
import zoneinfo

from tornado.options import options

UTC = datetime.timezone.utc


def site_zone():
    return zoneinfo.ZoneInfo(options.timezone)


def now():
    return datetime.datetime.now(site_zone())


def today():
    return now().date()


def seconds_until_midnight():
    current = now()
    midnight = datetime.datetime.combine(current.date() + datetime.timedelta(days=1),
                                         datetime.time(), current.tzinfo)
    return max(1, int((midnight - current).total_seconds()))


def show_timestamp(stored):
    """A naive UTC DATETIME from the database as `YYYY-MM-DD HH:MM:SS` in the site's zone."""
    return stored.replace(tzinfo=UTC).astimezone(site_zone()).strftime("%Y-%m-%d %H:%M:%S")
