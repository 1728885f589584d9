"""The yardstick: a bare Tornado handler answering a small JSON object, in one process.

Every target in docs/performance.md is a ratio to this server, measured just before and after
each figure, because absolute rates drift by ±20% between runs on the benchmark machine. It runs
on the event loop the service runs on (uvloop unless the service's `--uvloop` is off, as
server.py chooses), so a ratio compares the service's own code, not two loops.
Run: `python bench/baseline.py --port=8100 [--no-uvloop]`.
"""
import argparse
import asyncio
import signal

import tornado.web
import uvloop


class BaselineHandler(tornado.web.RequestHandler):
    def get(self):
        self.write({"errcode": "0", "errmsg": "OK"})


async def serve(port):
    app = tornado.web.Application([(r"/", BaselineHandler)])
    server = app.listen(port, address="127.0.0.1")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uvloop", action=argparse.BooleanOptionalAction, default=True,
                        help="run on uvloop's event loop, as the service does by default")
    args = parser.parse_args()
    (uvloop.run if args.uvloop else asyncio.run)(serve(args.port))


if __name__ == "__main__":
    main()
