"""The yardstick: a bare Tornado handler answering a small JSON object, in one process.

Every target in docs/performance.md is a ratio to this server measured in the same run, because
absolute rates drift by ±20% between runs on the benchmark machine.
Run: `python bench/baseline.py --port=8100`.
"""
import argparse
import asyncio
import signal

import tornado.web


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
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
