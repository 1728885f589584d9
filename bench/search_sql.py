"""The search's two statements alone, the count (`total_page`) and the page, timed in MariaDB
for each figure of the search matrix, filtered or not: where a search's time goes, without
HTTP, Python or the baseline around it.

    python -m bench.search_sql [--houses 100000 1000000] [--runs 7] [--filters none price family]
                               [--keywords 北京 院]

Reads the demo databases `ihome_bench_<houses>` that `bench.run` builds (bench/dataset.py);
prints a Markdown table of each statement's median time in ms over `--runs` runs, after one
unmeasured run, and the number of houses the search found. `--keywords` times the `keyword`
figures again with each of these keywords instead (a common one, a single character).
"""
import argparse
import dataclasses
import datetime
import statistics
import time
import urllib.parse

from tornado.options import options

import config  # noqa: F401 - defines the service's options, --keyword_houses among them
from bench import dataset
from bench.run import FILTERS, SEARCH_FIGURES
from handlers.house import search_param
from models.house import count_query, gram_counts_query, keyword_grams, keyword_plan, page_query

PAGE_SIZE = 10


def search_of(figure, area_id, today):
    """The Search a figure's query string asks for (the same as bench.run sends)."""
    where = f"aid={area_id}&" if figure.district else ""
    stay = f"sd={today + datetime.timedelta(days=7)}&ed={today + datetime.timedelta(days=9)}"
    return search_param(dict(urllib.parse.parse_qsl(f"{where}{stay}&{figure.query}")))


def timed(cur, statement, runs):
    """The median ms of `statement` and its first row."""
    cur.execute(*statement)
    first = cur.fetchone()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        cur.execute(*statement)
        cur.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), first


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--houses", type=int, nargs="*", default=[100_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--filters", nargs="*", choices=["none", *FILTERS], default=["none", *FILTERS],
                        help="the figures to time, by filter (`none`: the unfiltered ones); default all")
    parser.add_argument("--mysql_server", default="mysql://root:@127.0.0.1:3306")
    parser.add_argument("--keywords", nargs="*", default=[],
                        help="also time the keyword figures with each of these keywords")
    args = parser.parse_args()
    today = datetime.date.today()
    print("| search | houses | found | count ms | page ms |")
    print("|---|---|---|---|---|")
    for houses in args.houses:
        url = dataset.database_url(args.mysql_server, houses)
        _, area_id = dataset.sample(url)
        with dataset.connect(url) as conn, conn.cursor() as cur:
            figures = [(figure.label, search_of(figure, area_id, today)) for figure in SEARCH_FIGURES
                       if figure.sort == "new" and (figure.filters or "none") in args.filters]
            figures += [(f"{dataclasses.replace(figure, filters='').label}, keyword={keyword}",
                         dataclasses.replace(search_of(figure, area_id, today), keyword=keyword))
                        for keyword in args.keywords for figure in SEARCH_FIGURES
                        if figure.sort == "new" and figure.filters == "keyword"]
            for label, query in figures:
                plan = None
                if query.keyword is not None:
                    grams = keyword_grams(query.keyword)
                    # timed whatever the service would refuse: the cost it spares is the point
                    cur.execute(*gram_counts_query(query, grams, options.keyword_houses))
                    plan = keyword_plan(grams, [{"piece": piece, "houses": count} for piece, count in cur.fetchall()])
                count_ms, (found,) = timed(cur, count_query(query, plan), args.runs)
                # as the service does, no page is read past the last
                page_ms = timed(cur, page_query(query, PAGE_SIZE, plan, int(found)), args.runs)[0] \
                    if (query.page - 1) * PAGE_SIZE < found else None
                page = "–" if page_ms is None else f"{page_ms:.1f}"
                print(f"| {label} | {houses:,} | {int(found):,} | {count_ms:.1f} | {page} |", flush=True)


if __name__ == "__main__":
    main()
