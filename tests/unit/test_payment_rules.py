"""The pure rules of payments: Alipay's signatures and amounts, the refund rule at its boundary,
and the order state machine with payment on."""
import datetime
import zoneinfo

import pytest

from models.order import (CANCELED, GUEST, LANDLORD, PAID, PAYMENT_TRANSITIONS, WAIT_COMMENT, WAIT_PAYMENT,
                          available_actions, transition_of)
from models.payment import refund_deadline, refund_due
from tests.alipay_gateway import new_key
from utils.alipay import fen_from_yuan, response_content, sign, signed_content, verify, yuan_from_fen
from utils.payment_provider import UntrustedMessage

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 12, 3)
KEY = new_key()


def test_what_a_signature_covers_is_every_field_but_the_signature_sorted_and_non_empty():
    fields = {"sign": "x", "method": "alipay.trade.query", "app_id": "2021", "biz_content": '{"a":"b&c=d"}',
              "sign_type": "RSA2", "notify_url": ""}
    assert signed_content(fields) == 'app_id=2021&biz_content={"a":"b&c=d"}&method=alipay.trade.query&sign_type=RSA2'
    assert signed_content(fields, excluded=("sign", "sign_type")).endswith("method=alipay.trade.query")


def test_a_signature_verifies_only_its_own_text_with_its_own_key():
    signature = sign(KEY, "out_trade_no=1&total_amount=288.50")
    verify(KEY.public_key(), "out_trade_no=1&total_amount=288.50", signature)
    for content, key, signed in [("out_trade_no=1&total_amount=0.01", KEY, signature),
                                 ("out_trade_no=1&total_amount=288.50", new_key(), signature),
                                 ("out_trade_no=1&total_amount=288.50", KEY, "not base64!"),
                                 ("out_trade_no=1&total_amount=288.50", KEY, "")]:
        with pytest.raises(UntrustedMessage):
            verify(key.public_key(), content, signed)


@pytest.mark.parametrize("text, fen", [("288.50", 28850), ("288.5", 28850), ("0.01", 1), ("12", 1200),
                                       ("1.005", None), ("-1.00", None), ("1e3", None), ("", None),
                                       (" 1.00", None), ("1.2.3", None), (None, None), ("１.00", None)])
def test_gateway_amounts_are_yuan_with_at_most_two_decimals(text, fen):
    assert fen_from_yuan(text) == fen


def test_fen_are_written_as_yuan_with_two_decimals():
    assert [yuan_from_fen(fen) for fen in (28850, 1, 100, 0)] == ["288.50", "0.01", "1.00", "0.00"]


def test_an_answer_is_verified_over_the_exact_text_of_its_node():
    body = ('{"alipay_trade_query_response" : {"code":"10000","msg":"Success","subject":"后海 {1}",'
            '"nested":{"a":[1,"}"]}},"sign":"abc"}').encode()
    text, node = response_content(body, "alipay_trade_query_response")
    assert text == '{"code":"10000","msg":"Success","subject":"后海 {1}","nested":{"a":[1,"}"]}}'
    assert node["subject"] == "后海 {1}"
    with pytest.raises(UntrustedMessage):
        response_content(body, "alipay_trade_refund_response")


# ---- the refund rule ------------------------------------------------------------------------

FIRST_NIGHT = datetime.date(2026, 12, 10)
DEADLINE = datetime.datetime(2026, 12, 8, 0, 0, tzinfo=ZONE)


def test_the_full_refund_ends_48_hours_before_the_first_nights_midnight_in_the_sites_zone():
    assert refund_deadline(FIRST_NIGHT, 48, ZONE) == DEADLINE


@pytest.mark.parametrize("now, refunded", [
    (DEADLINE - datetime.timedelta(days=3), 28850),
    (DEADLINE, 28850),  # at the deadline itself: still whole
    (DEADLINE + datetime.timedelta(seconds=1), 0),
    (DEADLINE.astimezone(datetime.timezone.utc), 28850),  # the same instant in another zone
    (DEADLINE + datetime.timedelta(days=1), 0),
])
def test_a_paid_stay_is_refunded_whole_until_the_deadline_and_not_at_all_after(now, refunded):
    assert refund_due(28850, FIRST_NIGHT, now, 48, ZONE) == refunded


# ---- the machine with payment on ------------------------------------------------------------

def order(status, start, end):
    return {"status": status, "start_date": start, "end_date": end}


@pytest.mark.parametrize("status, start, viewer, allowed", [
    (0, 5, GUEST, ["cancel"]),
    (0, 5, LANDLORD, ["accept", "reject"]),
    (1, 5, GUEST, ["pay", "cancel"]),
    (1, 5, LANDLORD, []),
    (2, 5, GUEST, ["cancel"]),  # refunded or not: models/payment.py names it cancel_refund when it is
    (2, 1, GUEST, ["cancel"]),
    (2, 0, GUEST, []),  # the stay has begun
    (2, 5, LANDLORD, []),  # a landlord cannot cancel or reject a paid order
    (3, -3, GUEST, ["comment"]),
    (7, 5, GUEST, []),
])
def test_available_actions_with_payment(status, start, viewer, allowed):
    first = TODAY + datetime.timedelta(days=start)
    found = available_actions(order(status, first, first + datetime.timedelta(days=1)), viewer, TODAY,
                              PAYMENT_TRANSITIONS)
    assert found == allowed


def test_with_payment_acceptance_waits_for_payment_and_the_gateway_pays():
    assert transition_of(PAYMENT_TRANSITIONS, "accept", 0).target == WAIT_PAYMENT
    assert transition_of(PAYMENT_TRANSITIONS, "pay", WAIT_PAYMENT).target == PAID
    assert transition_of(PAYMENT_TRANSITIONS, "pay", PAID) is None  # a payment pays once
    assert transition_of(PAYMENT_TRANSITIONS, "cancel", PAID).target == CANCELED
    assert transition_of(PAYMENT_TRANSITIONS, "cancel", WAIT_COMMENT) is None
