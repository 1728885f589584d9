"""Alipay's open API (RSA2), the payment provider of `--payment=alipay` (utils/payment_provider.py
says what a provider does for `models.payment.Payments`).

Every call to the gateway is Tornado's AsyncHTTPClient, bounded in time, tried at most ATTEMPTS
times (only where trying again is safe, which for Alipay is every call used here: a query and a
close change nothing, a precreate of the same trade returns the same code, a refund is keyed by
its own `out_request_no`). A call made while a person waits takes at most 2 x 8 s + 0.2 s, within
the 30 s a proxy in front gives an answer (deploy/nginx-site.conf.template).

Signatures (Alipay's "RSA2"): SHA256withRSA, PKCS#1 v1.5, base64, over the parameters sorted by
name and joined as `name=value&...` with raw (not URL-encoded) values, empty ones left out. Our
requests are signed with our private key (their `sign_type` is part of what is signed); what the
gateway sends is verified with the gateway's public key: a notification over its fields but
`sign` and `sign_type`, an API answer over the exact text of its `<method>_response` object.
"""
import asyncio
import base64
import datetime
import decimal
import json
import logging
import re
import urllib.parse
import zoneinfo

import orjson
import tornado.httpclient
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from utils.payment_provider import GatewayError, RefundResult, Trade, UntrustedMessage

log = logging.getLogger("ihome.payment")

ALIPAY_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")  # the gateway's timestamps, whatever the site's zone
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS_CODE = "10000"
# The gateway is unavailable for a moment: the same request may be sent again.
RETRYABLE_CODES = {"20000"}
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"

ATTEMPTS = 2
BACKOFF = 0.2  # seconds before the second attempt
CONNECT_TIMEOUT = 3.0
REQUEST_TIMEOUT = 8.0  # the whole request, connecting included


def load_private_key(path):
    return _load_key(path, serialization.load_pem_private_key, "PRIVATE KEY", password=None)


def load_public_key(path):
    return _load_key(path, serialization.load_pem_public_key, "PUBLIC KEY")


def _load_key(path, loader, label, **options):
    """A PEM file, or a file holding only the base64 body as Alipay's console hands keys out."""
    with open(path, "rb") as key_file:
        data = key_file.read().strip()
    if not data.startswith(b"-----"):
        data = b"-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label.encode(), data, label.encode())
    key = loader(data, **options)
    if not isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        raise ValueError(f"{path} is not an RSA key")
    return key


def signed_content(fields, excluded=("sign",)):
    """The text a signature covers: fields sorted by name, `name=value` joined by `&`."""
    return "&".join(f"{name}={value}" for name, value in sorted(fields.items())
                    if name not in excluded and value not in (None, ""))


def sign(private_key, content):
    signature = private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(public_key, content, signature):
    """Raises UntrustedMessage unless `signature` (base64) signs `content`."""
    try:
        public_key.verify(base64.b64decode(signature, validate=True), content.encode(),
                          padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise UntrustedMessage("bad signature") from None


def fen_from_yuan(text):
    """The gateway's amounts are yuan with at most two decimals ("288.50"); None if malformed."""
    if not isinstance(text, str) or not text or not all(ch in "0123456789." for ch in text):
        return None
    try:
        value = decimal.Decimal(text) * 100
    except decimal.InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else None


def yuan_from_fen(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def response_content(body, node):
    """The exact text of the `node` object in a gateway answer, which its signature covers, and
    the object decoded. Raises UntrustedMessage when the node is missing."""
    text = body.decode("utf-8")
    key = f'"{node}"'
    start = text.find(key)
    if start < 0:
        raise UntrustedMessage(f"no {node} in the answer")
    position = start + len(key)
    while position < len(text) and text[position] in " \t\r\n:":
        position += 1
    try:
        decoded, end = json.JSONDecoder().raw_decode(text, position)
    except json.JSONDecodeError:
        raise UntrustedMessage(f"{node} is not JSON") from None
    if not isinstance(decoded, dict):
        raise UntrustedMessage(f"{node} is not an object")
    return text[position:end], decoded


class AlipayProvider:
    """Alipay for one merchant app: our key signs, the gateway's public key verifies."""

    name = "alipay"

    def __init__(self, *, gateway_url, app_id, seller_id, private_key, gateway_public_key, notify_url,
                 executor, return_url):
        self.gateway_url = gateway_url
        self.app_id = app_id
        self.seller_id = seller_id
        self.private_key = private_key
        self.gateway_public_key = gateway_public_key
        self.notify_url = notify_url
        self.return_url = return_url  # a function of the order id: where the gateway sends the browser back
        self.executor = executor  # signing takes about 1 ms of CPU: off the event loop

    # ---- requests --------------------------------------------------------------------------

    async def _signed(self, method, biz_content, **extra):
        fields = {
            "app_id": self.app_id, "method": method, "format": "JSON", "charset": "utf-8",
            "sign_type": "RSA2", "version": "1.0",
            "timestamp": datetime.datetime.now(ALIPAY_ZONE).strftime(TIME_FORMAT),
            "biz_content": orjson.dumps(biz_content).decode(), **extra,
        }
        loop = asyncio.get_running_loop()
        fields["sign"] = await loop.run_in_executor(self.executor, sign, self.private_key, signed_content(fields))
        return fields

    def _trade(self, out_trade_no, amount, subject, pay_by, product_code):
        # Alipay refuses a subject holding / = or &.
        return {"out_trade_no": out_trade_no, "total_amount": yuan_from_fen(amount),
                "subject": re.sub(r"[/=&]", " ", subject),
                "product_code": product_code,
                "time_expire": pay_by.astimezone(ALIPAY_ZONE).strftime(TIME_FORMAT)}

    async def page_url(self, order_id, out_trade_no, amount, subject, pay_by):
        """The gateway's page where the guest pays (`alipay.trade.page.pay`, by GET): the browser
        goes there, and comes back to our return URL. `pay_by` (aware) closes the trade."""
        fields = await self._signed("alipay.trade.page.pay",
                                    self._trade(out_trade_no, amount, subject, pay_by, "FAST_INSTANT_TRADE_PAY"),
                                    notify_url=self.notify_url, return_url=self.return_url(order_id))
        return f"{self.gateway_url}?{urllib.parse.urlencode(fields)}"

    async def qr_code(self, out_trade_no, amount, subject, pay_by):
        """The content of a QR code the guest scans with the Alipay app (`alipay.trade.precreate`)."""
        answer = await self._call("alipay.trade.precreate",
                                  self._trade(out_trade_no, amount, subject, pay_by, "FACE_TO_FACE_PAYMENT"),
                                  notify_url=self.notify_url)
        if answer.get("code") != SUCCESS_CODE or not answer.get("qr_code"):
            raise GatewayError(f"precreate {out_trade_no}: {_problem(answer)}")
        return answer["qr_code"]

    async def query(self, out_trade_no, attempts=ATTEMPTS):
        """The trade as the gateway knows it, or None when the guest never opened it."""
        answer = await self._call("alipay.trade.query", {"out_trade_no": out_trade_no}, attempts=attempts)
        if answer.get("code") != SUCCESS_CODE:
            if answer.get("sub_code") == TRADE_NOT_EXIST:
                return None
            raise GatewayError(f"query {out_trade_no}: {_problem(answer)}")
        return self._checked_trade(answer, out_trade_no)

    async def refund(self, out_trade_no, amount, out_request_no, reason, attempts=ATTEMPTS):
        """Refund `amount` fen of a paid trade. `out_request_no` is the refund's own key: the
        gateway refunds once per key, however often it is sent."""
        answer = await self._call("alipay.trade.refund", {
            "out_trade_no": out_trade_no, "refund_amount": yuan_from_fen(amount),
            "out_request_no": out_request_no, "refund_reason": reason}, attempts=attempts)
        if answer.get("code") != SUCCESS_CODE:
            raise GatewayError(f"refund {out_request_no}: {_problem(answer)}")
        if answer.get("out_trade_no") != out_trade_no:
            raise GatewayError(f"refund {out_request_no} answered for {answer.get('out_trade_no')!r}")
        refunded = fen_from_yuan(answer.get("refund_fee"))
        if refunded is None or refunded < amount:
            raise GatewayError(f"refund {out_request_no}: only {answer.get('refund_fee')!r} refunded")
        return RefundResult(out_request_no, refunded)

    async def close(self, out_trade_no, attempts=ATTEMPTS):
        """Close an unpaid trade, so that it can no longer be paid. False when it could not be
        (already paid, never opened, or the gateway failing): the trade's own expiry closes it."""
        try:
            answer = await self._call("alipay.trade.close", {"out_trade_no": out_trade_no}, attempts=attempts)
        except GatewayError as error:
            log.warning("closing trade %s failed: %s", out_trade_no, error)
            return False
        return answer.get("code") == SUCCESS_CODE

    async def _call(self, method, biz_content, attempts=ATTEMPTS, **extra):
        """POST one API request; the verified `<method>_response` object. A network failure, an
        HTTP error or a busy gateway is tried again, up to `attempts` in all."""
        node = method.replace(".", "_") + "_response"
        fields = await self._signed(method, biz_content, **extra)
        client = tornado.httpclient.AsyncHTTPClient()
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(BACKOFF)
            try:
                response = await client.fetch(
                    self.gateway_url, method="POST", body=urllib.parse.urlencode(fields),
                    headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                    connect_timeout=CONNECT_TIMEOUT, request_timeout=REQUEST_TIMEOUT)
            except (tornado.httpclient.HTTPError, OSError) as error:
                problem = f"{method}: {error}"
                continue
            answer = self._verified_answer(response.body, node)
            if answer.get("code") not in RETRYABLE_CODES:
                return answer
            problem = f"{method}: {_problem(answer)}"
        raise GatewayError(f"{problem} (after {attempts} attempts)")

    def _verified_answer(self, body, node):
        """The answer's `node` object once its signature is checked; GatewayError otherwise."""
        try:
            content, answer = response_content(body, node)
            verify(self.gateway_public_key, content, orjson.loads(body).get("sign") or "")
        except AttributeError:  # an answer that is not a JSON object
            raise GatewayError(f"{node}: malformed answer") from None
        except (UntrustedMessage, orjson.JSONDecodeError, UnicodeDecodeError) as error:
            raise GatewayError(f"{node}: untrusted answer ({error})") from None
        return answer

    def _checked_trade(self, answer, out_trade_no):
        if answer.get("out_trade_no") != out_trade_no:
            raise GatewayError(f"query for {out_trade_no} answered for {answer.get('out_trade_no')!r}")
        amount = fen_from_yuan(answer.get("total_amount"))
        if amount is None:
            raise GatewayError(f"query for {out_trade_no}: malformed total_amount")
        return Trade(out_trade_no, answer.get("trade_no") or "", answer.get("trade_status") or "", amount)

    # ---- notifications ---------------------------------------------------------------------

    def verified_notification(self, fields):
        """The trade an asynchronous notification reports, once its signature (with the gateway's
        key), app id and seller are checked; raises UntrustedMessage otherwise. Whether the
        trade is ours and the amount right is the caller's to check against its records.
        Verifying costs about 25 µs of CPU: done in place."""
        if any(not isinstance(value, str) for value in fields.values()):
            raise UntrustedMessage("a field given twice")
        if fields.get("sign_type") != "RSA2":
            raise UntrustedMessage(f"sign_type {fields.get('sign_type')!r}")
        verify(self.gateway_public_key, signed_content(fields, excluded=("sign", "sign_type")),
               fields.get("sign", ""))
        if fields.get("app_id") != self.app_id:
            raise UntrustedMessage(f"app_id {fields.get('app_id')!r}")
        if fields.get("seller_id") != self.seller_id:
            raise UntrustedMessage(f"seller_id {fields.get('seller_id')!r}")
        amount = fen_from_yuan(fields.get("total_amount"))
        if not fields.get("out_trade_no") or amount is None:
            raise UntrustedMessage("no out_trade_no or total_amount")
        return Trade(fields["out_trade_no"], fields.get("trade_no", ""), fields.get("trade_status", ""), amount)


def _problem(answer):
    return " ".join(filter(None, (answer.get(name) for name in ("code", "msg", "sub_code", "sub_msg"))))
