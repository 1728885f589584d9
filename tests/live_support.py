"""The live socket (/api/ws) as a test drives it: test_live.py and test_hosts.py."""
import asyncio

import tornado.escape
import tornado.httpclient
import tornado.websocket


class Socket:
    """A live socket as a page opens it: with the browser's cookies, from the site's origin."""

    def __init__(self, connection):
        self.connection = connection

    @classmethod
    async def open(cls, client, *, origin=None, cookies=True):
        url = str(client.base_url)
        headers = {"Origin": origin or url.rstrip("/")}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        request = tornado.httpclient.HTTPRequest(url.replace("http", "ws", 1).rstrip("/") + "/api/ws",
                                                 headers=headers, request_timeout=10)
        return cls(await tornado.websocket.websocket_connect(request))

    async def receive(self, timeout=10):
        """The next message, decoded; None once the server closed the socket."""
        message = await asyncio.wait_for(self.connection.read_message(), timeout)
        return None if message is None else tornado.escape.json_decode(message)

    async def since(self, seq):
        """Ask for what came after `seq`: the notifications sent before `ready`, and its seq."""
        await self.connection.write_message(tornado.escape.json_encode({"since": seq}))
        received = []
        while (message := await self.receive())["type"] != "ready":
            received.append(message["notification"])
        return received, message["seq"]

    async def notification(self):
        message = await self.receive()
        assert message["type"] == "notification", message
        return message["notification"]

    async def closed(self):
        """The close code the server closed the socket with."""
        while await self.receive() is not None:
            pass
        self.connection.close()  # our side too, or tornado warns of it
        return self.connection.close_code


def live(test):
    """Run an async test body in a fresh event loop."""
    return asyncio.run(asyncio.wait_for(test(), 60))
