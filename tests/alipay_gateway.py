"""A payment gateway of our own that speaks Alipay's open API, for the tests and local demos.

A real HTTP server (the standard library's, in a thread) on a spare loopback port, with its own RSA
key pair. It checks every request's RSA2 signature with the merchant's public key, as Alipay does,
and signs what it sends with its own key:

- `GET /gateway.do?...` (`alipay.trade.page.pay`): opens the trade and shows the page where the
  buyer confirms; `GET /qr/<out_trade_no>` is the same page, reached by scanning a precreated code;
- `POST /pay/<out_trade_no>`: the buyer pays; the gateway notifies the merchant's notify URL (as
  `notify_mode` says: at once, twice at once, after the browser's return, or never) and sends the
  browser back to the return URL with its signed fields;
- `POST /gateway.do` with `alipay.trade.precreate`, `.query`, `.refund` (once per out_request_no)
  and `.close`, answered as Alipay answers, signed.

Tests reach it directly too: `pay` as a buyer would, `notification` to build signed fields that
they may then tamper with, `post_notification` to send any fields to the notify URL, `fail_next`
to make calls fail. Standard library and `cryptography` only, so that `make run PAYMENT=alipay`
can start it without the test dependencies:

    python -m tests.alipay_gateway keys DIR          # both key pairs, once
    python -m tests.alipay_gateway serve DIR --port 8010
"""
import argparse
import datetime
import html
import http.server
import json
import pathlib
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from utils.alipay import fen_from_yuan, sign, signed_content, verify
from utils.payment_provider import UntrustedMessage

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DEMO_APP_ID = "2021000000000001"
DEMO_SELLER_ID = "2088000000000001"
BUYER_ID = "2088102177846880"
NOTIFY_TIMEOUT = 10
NOTIFY_MODES = ("now", "twice", "after_return", "lost")


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def now_text():
    return datetime.datetime.now(ZONE).strftime(TIME_FORMAT)


class FakeAlipay:
    """The gateway for one merchant: `merchant_public_key` checks its requests."""

    def __init__(self, merchant_public_key, app_id=DEMO_APP_ID, seller_id=DEMO_SELLER_ID, port=0, key=None):
        self.key = key or new_key()
        self.merchant_public_key = merchant_public_key
        self.app_id = app_id
        self.seller_id = seller_id
        self.trades = {}  # out_trade_no: dict
        self.refunds = {}  # out_request_no: dict, one per refund made
        self.refund_requests = []  # every refund request's out_request_no, in order
        self.notify_answers = []  # (status, body) of every notification sent
        self.notify_mode = "now"
        self.notify_delay = 1.0  # seconds after the return, for "after_return"
        self.failures = {}  # method: [how, count]
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.gateway = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = None

    @property
    def gateway_url(self):
        return self.url + "/gateway.do"

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        """What a test changed: the notification mode and the failures to come."""
        with self.lock:
            self.notify_mode = "now"
            self.failures.clear()

    def fail_next(self, method, count=1, how="before"):
        """The next `count` calls of `method` answer HTTP 500: "before" doing anything, or
        "after" doing what was asked (the answer is lost on its way)."""
        with self.lock:
            self.failures[method] = [how, count]

    def _failure(self, method):
        with self.lock:
            failure = self.failures.get(method)
            if not failure or failure[1] <= 0:
                return None
            failure[1] -= 1
            return failure[0]

    # ---- the merchant's requests -------------------------------------------------------------

    def check_request(self, fields):
        """The request's biz_content once its signature and app id are checked."""
        if fields.get("sign_type") != "RSA2":
            raise UntrustedMessage("sign_type")
        verify(self.merchant_public_key, signed_content(fields), fields.get("sign", ""))
        if fields.get("app_id") != self.app_id:
            raise UntrustedMessage("app_id")
        return json.loads(fields["biz_content"])

    def open_trade(self, biz, notify_url, return_url=None):
        """The trade `biz` describes, made at its first request; an error text when a trade of
        that number exists with another amount (Alipay refuses a changed trade)."""
        with self.lock:
            trade = self.trades.get(biz["out_trade_no"])
            if trade is None:
                trade = self.trades[biz["out_trade_no"]] = {
                    "out_trade_no": biz["out_trade_no"], "total_amount": biz["total_amount"],
                    "subject": biz["subject"], "time_expire": biz.get("time_expire"),
                    "trade_no": "2026" + secrets.token_hex(10), "status": "WAIT_BUYER_PAY",
                    "notify_url": notify_url, "return_url": return_url, "refunded": 0, "gmt_payment": None}
            elif trade["total_amount"] != biz["total_amount"]:
                return None, "交易信息被篡改"
            if return_url:
                trade["return_url"] = return_url
            return trade, None

    def payable(self, trade):
        if trade["status"] != "WAIT_BUYER_PAY":
            return False
        expire = trade["time_expire"]
        if expire and now_text() >= expire:
            trade["status"] = "TRADE_CLOSED"
            return False
        return True

    def api(self, fields):
        """An API request's answer: (node name, node object)."""
        method = fields.get("method", "")
        node = method.replace(".", "_") + "_response"
        try:
            biz = self.check_request(fields)
        except (UntrustedMessage, KeyError, ValueError):
            return "error_response", {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}
        handler = {"alipay.trade.precreate": self._precreate, "alipay.trade.query": self._query,
                   "alipay.trade.refund": self._refund, "alipay.trade.close": self._close}.get(method)
        if handler is None:
            return "error_response", {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-method"}
        return node, handler(biz, fields)

    def _precreate(self, biz, fields):
        trade, problem = self.open_trade(biz, fields.get("notify_url"))
        if problem:
            return _business_error("ACQ.CONTEXT_INCONSISTENT", problem)
        return {**_OK, "out_trade_no": trade["out_trade_no"], "qr_code": f"{self.url}/qr/{trade['out_trade_no']}"}

    def _query(self, biz, fields):
        with self.lock:
            trade = self.trades.get(biz.get("out_trade_no"))
            if trade is None:
                return _business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
            self.payable(trade)
            return {**_OK, "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
                    "trade_status": trade["status"], "total_amount": trade["total_amount"],
                    "buyer_user_id": BUYER_ID}

    def _refund(self, biz, fields):
        with self.lock:
            self.refund_requests.append(biz.get("out_request_no"))
            trade = self.trades.get(biz.get("out_trade_no"))
            if trade is None:
                return _business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
            made = self.refunds.get(biz.get("out_request_no"))
            if made is None:
                amount = fen_from_yuan(biz.get("refund_amount"))
                paid = fen_from_yuan(trade["total_amount"])
                if trade["status"] not in ("TRADE_SUCCESS", "TRADE_CLOSED") or trade["gmt_payment"] is None:
                    return _business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
                if amount is None or amount <= 0 or trade["refunded"] + amount > paid:
                    return _business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
                trade["refunded"] += amount
                if trade["refunded"] == paid:
                    trade["status"] = "TRADE_CLOSED"
                made = self.refunds[biz["out_request_no"]] = {"out_trade_no": trade["out_trade_no"], "amount": amount}
                fund_change = "Y"
            else:
                fund_change = "N"  # the same refund asked again: nothing more is paid out
            return {**_OK, "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
                    "fund_change": fund_change, "refund_fee": _yuan(trade["refunded"]), "buyer_user_id": BUYER_ID}

    def _close(self, biz, fields):
        with self.lock:
            trade = self.trades.get(biz.get("out_trade_no"))
            if trade is None:
                return _business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
            if trade["status"] != "WAIT_BUYER_PAY":
                return _business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            trade["status"] = "TRADE_CLOSED"
            return {**_OK, "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"]}

    def signed_answer(self, node, answer):
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        return f'{{"{node}":{text},"sign":"{sign(self.key, text)}"}}'.encode()

    # ---- the buyer ---------------------------------------------------------------------------

    def pay(self, out_trade_no):
        """The buyer pays; the URL the browser is sent back to, or None when the trade cannot be
        paid (closed, expired, unknown). Notifies as `notify_mode` says."""
        with self.lock:
            trade = self.trades.get(out_trade_no)
            if trade is None or not self.payable(trade):
                return None
            trade["status"] = "TRADE_SUCCESS"
            trade["gmt_payment"] = now_text()
            mode = self.notify_mode
        fields = self.notification(out_trade_no)
        if mode == "now":
            self.post_notification(fields)
        elif mode == "twice":
            senders = [threading.Thread(target=self.post_notification, args=(fields,)) for _ in range(2)]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
        elif mode == "after_return":
            threading.Timer(self.notify_delay, self.post_notification, args=(fields,)).start()
        return self.return_url(trade)

    def return_url(self, trade):
        if not trade["return_url"]:
            return None
        fields = {"charset": "utf-8", "out_trade_no": trade["out_trade_no"], "method": "alipay.trade.page.pay.return",
                  "total_amount": trade["total_amount"], "trade_no": trade["trade_no"], "auth_app_id": self.app_id,
                  "version": "1.0", "app_id": self.app_id, "sign_type": "RSA2", "seller_id": self.seller_id,
                  "timestamp": now_text()}
        fields["sign"] = sign(self.key, signed_content(fields, excluded=("sign", "sign_type")))
        separator = "&" if "?" in trade["return_url"] else "?"
        return trade["return_url"] + separator + urllib.parse.urlencode(fields)

    # ---- notifications -----------------------------------------------------------------------

    def notification(self, out_trade_no, /, key=None, **changes):
        """The fields of a notification of the trade as it stands, with `changes`, signed (by
        `key`, the gateway's own by default)."""
        with self.lock:
            trade = dict(self.trades[out_trade_no])
        fields = {
            "notify_time": now_text(), "notify_type": "trade_status_sync", "notify_id": secrets.token_hex(16),
            "app_id": self.app_id, "auth_app_id": self.app_id, "charset": "utf-8", "version": "1.0",
            "sign_type": "RSA2", "trade_no": trade["trade_no"], "out_trade_no": out_trade_no,
            "buyer_id": BUYER_ID, "seller_id": self.seller_id, "trade_status": trade["status"],
            "total_amount": trade["total_amount"], "receipt_amount": trade["total_amount"],
            "buyer_pay_amount": trade["total_amount"], "subject": trade["subject"],
            "gmt_payment": trade["gmt_payment"] or "", **changes}
        fields = {name: value for name, value in fields.items() if value is not None}
        fields["sign"] = sign(key or self.key, signed_content(fields, excluded=("sign", "sign_type")))
        return fields

    def post_notification(self, fields, notify_url=None):
        """POST `fields` as Alipay does to `notify_url`, by default the one of the trade they
        name; (HTTP status, body)."""
        url = notify_url or self.trades[fields["out_trade_no"]]["notify_url"]
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=NOTIFY_TIMEOUT) as response:
                answer = (response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            answer = (error.code, error.read().decode())
        with self.lock:
            self.notify_answers.append(answer)
        return answer


_OK = {"code": "10000", "msg": "Success"}


def _business_error(sub_code, sub_msg):
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


def _yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "FakeAlipay/1"

    @property
    def gateway(self):
        return self.server.gateway

    def log_message(self, *args):
        """Quiet: the tests read what they need from the gateway itself."""

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/gateway.do":
            fields = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
            try:
                biz = self.gateway.check_request(fields)
            except (UntrustedMessage, KeyError, ValueError) as error:
                return self._page(400, "请求无效", f"签名或参数错误：{error}")
            if fields.get("method") != "alipay.trade.page.pay":
                return self._page(400, "请求无效", "不支持的接口")
            trade, problem = self.gateway.open_trade(biz, fields.get("notify_url"), fields.get("return_url"))
            return self._pay_page(trade) if trade else self._page(400, "请求无效", problem)
        if path.startswith("/qr/"):
            trade = self.gateway.trades.get(path.removeprefix("/qr/"))
            return self._pay_page(trade) if trade else self._page(404, "交易不存在", "二维码无效")
        self._page(404, "Not found", self.path)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if self.path.startswith("/pay/"):
            back = self.gateway.pay(urllib.parse.unquote(self.path.removeprefix("/pay/")))
            if back is None:
                return self._page(400, "无法付款", "交易已关闭或不存在")
            self.send_response(302)
            self.send_header("Location", back)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if self.path != "/gateway.do":
            return self._page(404, "Not found", self.path)
        fields = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        failure = self.gateway._failure(fields.get("method"))
        if failure == "before":
            return self._send(500, b"gateway failing", "text/plain")
        node, answer = self.gateway.api(fields)
        if failure == "after":
            return self._send(500, b"answer lost", "text/plain")
        if node == "error_response":
            return self._send(200, json.dumps({node: answer}).encode(), "application/json;charset=utf-8")
        return self._send(200, self.gateway.signed_answer(node, answer), "application/json;charset=utf-8")

    def _pay_page(self, trade):
        with self.gateway.lock:
            payable = self.gateway.payable(trade)
        if not payable:
            return self._page(200, "交易已关闭", f"订单 {trade['out_trade_no']} 已关闭或已支付，无需付款")
        number = html.escape(urllib.parse.quote(trade["out_trade_no"]))
        self._page(200, "确认付款", f"<p>商品：{html.escape(trade['subject'])}</p>"
                   f"<p>金额：<strong data-testid=\"gateway-amount\">¥{html.escape(trade['total_amount'])}</strong></p>"
                   f"<form method=\"post\" action=\"/pay/{number}\"><button type=\"submit\">确认付款</button></form>",
                   markup=True)

    def _page(self, status, title, text, markup=False):
        content = text if markup else f"<p>{html.escape(text)}</p>"
        page = (f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{html.escape(title)} - "
                f"支付宝（测试网关）</title></head><body><main><h1>{html.escape(title)}</h1>{content}</main></body></html>")
        self._send(status, page.encode(), "text/html; charset=utf-8")

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def write_keys(folder):
    """Both key pairs of a demo in `folder`, made once: ours (merchant_private.pem and its public
    half for the gateway) and the gateway's (gateway_private.pem, gateway_public.pem for us)."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for owner in ("merchant", "gateway"):
        if not (folder / f"{owner}_private.pem").exists():
            key = new_key()
            (folder / f"{owner}_public.pem").write_bytes(public_pem(key))
            (folder / f"{owner}_private.pem").write_bytes(private_pem(key))
            (folder / f"{owner}_private.pem").chmod(0o600)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["keys", "serve"])
    parser.add_argument("folder", help="where the demo's key pairs are")
    parser.add_argument("--port", type=int, default=8010)
    arguments = parser.parse_args()
    write_keys(arguments.folder)
    if arguments.command == "keys":
        return
    folder = pathlib.Path(arguments.folder)
    gateway = FakeAlipay(serialization.load_pem_public_key((folder / "merchant_public.pem").read_bytes()),
                         port=arguments.port,
                         key=serialization.load_pem_private_key((folder / "gateway_private.pem").read_bytes(), None))
    print(f"test gateway on {gateway.gateway_url} (app id {gateway.app_id}, seller {gateway.seller_id})", flush=True)
    try:
        gateway.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        gateway.server.server_close()


if __name__ == "__main__":
    main()
