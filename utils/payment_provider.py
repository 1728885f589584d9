"""What a payment provider is to `models.payment.Payments` (utils/alipay.py is the one there is).

A provider, built once at start with its keys and our URLs, offers:

- `await page_url(order_id, out_trade_no, amount, subject, pay_by)`: the gateway's page where the
  guest pays, which sends the browser back to our return URL for `order_id`;
- `await qr_code(out_trade_no, amount, subject, pay_by)`: the content of a QR code to pay by phone;
- `verified_notification(fields)`: the `Trade` an asynchronous notification reports, once it is
  proven to come from the gateway for our merchant (UntrustedMessage otherwise);
- `await query(out_trade_no)`: the `Trade` as the gateway knows it, None if it never saw it;
- `await refund(out_trade_no, amount, out_request_no, reason)`: a `RefundResult`; the gateway
  refunds once per `out_request_no`, however often it is asked;
- `await close(out_trade_no)`: whether the unpaid trade was closed, so that it can no longer be paid.

Amounts are integer fen, `pay_by` an aware datetime after which the trade cannot be paid. Every
call to the gateway raises GatewayError when it fails after its bounded attempts.
"""
import dataclasses

PAID_STATES = {"TRADE_SUCCESS", "TRADE_FINISHED"}


class UntrustedMessage(Exception):
    """Something claiming to come from the gateway that fails a check: nothing in it is used."""


class GatewayError(Exception):
    """The gateway could not be reached, answered with an error after the allowed attempts, or
    gave an answer that fails a check (which is then not used)."""


@dataclasses.dataclass(frozen=True)
class Trade:
    """A trade as the gateway reports it, from a verified notification or a query."""
    out_trade_no: str
    trade_no: str
    status: str  # WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_FINISHED, TRADE_CLOSED
    amount: int  # fen

    @property
    def paid(self):
        return self.status in PAID_STATES


@dataclasses.dataclass(frozen=True)
class RefundResult:
    out_request_no: str
    refunded: int  # fen refunded so far on the trade, as the gateway counts it
