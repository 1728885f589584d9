"""The pure rules, tested without a server: field readers, name rules, the search filter, the
order state machine and GTID positions."""
import datetime
import types

import pytest

from handlers.base import request_summary
from models.db import gtid_position, includes
from models.house import (KeywordPlan, Search, count_query, gram_counts_query, keyword_grams, like_pattern,
                          page_query)
from models.order import GUEST, LANDLORD, available_actions
from models.user import has_default_name, masked_id_card, mobile_from_weights, public_name, reads_as_mobile
from utils import params
from utils.errors import ApiError
from utils.ratelimit import client_key
from utils.timefmt import SiteClock

TODAY = datetime.date(2026, 12, 3)


def refused(reader, *args, **kwargs):
    with pytest.raises(ApiError) as caught:
        reader(*args, **kwargs)
    return caught.value


# ---- money ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, fen", [("288.50", 28850), (288.5, 28850), (19.99, 1999), ("0.01", 1),
                                        (1000000, 100_000_000), (" 7 ", 700), ("199.", None)])
def test_yuan_become_exact_fen(value, fen):
    if fen is None:
        assert refused(params.fen, {"price": value}, "price", allow_zero=False).param == "price"
    else:
        assert params.fen({"price": value}, "price", allow_zero=False) == fen


@pytest.mark.parametrize("value", ["1.001", "-1", "1e3", "abc", True, [1], "1000000.01", 0, "0.00"])
def test_malformed_or_out_of_range_money_is_refused_by_name(value):
    error = refused(params.fen, {"price": value}, "price", allow_zero=False)
    assert (error.errcode, error.param) == ("4103", "price")


def test_a_deposit_may_be_zero():
    assert params.fen({"deposit": 0}, "deposit", allow_zero=True) == 0


# ---- other field readers --------------------------------------------------------------------

def test_id_lists_are_unique_positive_integers():
    assert params.id_list({"facility": [3, "1", 2.0]}, "facility") == [3, 1, 2]
    assert params.id_list({"facility": "4"}, "facility") == [4]
    assert params.id_list({}, "facility") == []
    for bad in ([1, 1], [0], ["x"], [True]):
        assert refused(params.id_list, {"facility": bad}, "facility").param == "facility"


def test_id_sets_are_sorted_without_repeats():
    assert params.id_set({"facility": " 7, 1,5,1"}, "facility", most=63) == (1, 5, 7)
    assert params.id_set({"facility": [3, "1"]}, "facility", most=63) == (1, 3)
    assert params.id_set({"facility": ""}, "facility", most=63) == ()
    for bad in ("1,,2", "1 2", ",", "x", "0", [0], [True], list(range(1, 65))):
        assert refused(params.id_set, {"facility": bad}, "facility", most=63).param == "facility"


def test_a_password_is_read_exactly_as_typed():
    assert params.password({"password": "  spaces kept  "}) == "  spaces kept  "
    assert refused(params.password, {"password": ""}).errcode == "4103"
    assert refused(params.password, {"password": 12345678}).errcode == "4103"
    assert params.password({"password": "short"}) == "short"  # an old password logs in as it is
    error = refused(params.password, {"password": "short"}, new=True)
    assert (error.errcode, error.param) == ("4106", "password")
    assert refused(params.password, {"password": "x" * 129}, new=True).errcode == "4106"


@pytest.mark.parametrize("value, ok", [("13800138000", True), ("19912345678", True), ("12800138000", False),
                                       ("1380013800", False), ("138001380001", False), ("", False)])
def test_mobiles(value, ok):
    if ok:
        assert params.mobile({"mobile": value}) == value
    else:
        assert refused(params.mobile, {"mobile": value}).param == "mobile"


@pytest.mark.parametrize("reader, name, value", [
    (params.mobile, "mobile", "138００138000"), (params.mobile, "mobile", "13800138٠٠٠"),
    (params.integer, "p", "２"), (params.integer, "p", "٢"),
    (params.date, "sd", "２０２６-12-31"), (params.fen, "price", "１99"), (params.sms_code, "phonecode", "１２３４５６"),
    (params.sms_code, "phonecode", "12345"), (params.captcha_answer, "piccode", "\ufb00XY"),
    (params.token, "cur", "abc\n"), (params.id_card, "id_card", "１1010519491231002X"),
])
def test_digits_and_codes_are_ascii_only(reader, name, value):
    kwargs = {"allow_zero": False} if reader is params.fen else {}
    assert refused(reader, {name: value}, name, **kwargs).param == name


def test_dates_are_strict_iso_calendar_dates():
    assert params.date({"sd": "2026-12-31"}, "sd") == datetime.date(2026, 12, 31)
    assert params.date({}, "sd", required=False) is None
    for bad in ("2026-02-30", "2026-1-05", "20261205", "2026-12-05T00:00"):
        assert refused(params.date, {"sd": bad}, "sd").param == "sd"


def test_captcha_ids_are_short_tokens():
    assert params.token({"cur": "abc-1_X"}, "cur") == "abc-1_X"
    error = refused(params.token, {"cur": "has space"}, "cur", status=400)
    assert (error.status_code, error.param) == (400, "cur")
    assert refused(params.token, {"cur": "x" * 65}, "cur").param == "cur"


@pytest.mark.parametrize("uri, logged", [
    ("/api/login", "/api/login"),
    ("/api/login?", "/api/login?"),
    ("/x?password=s3cret&p=2", "/x?password=***&p=2"),
    ("/x?%70assword=s3cret", "/x?%70assword=***"),  # the name as the server decodes it
    ("/x?password[]=a&password[]=b", "/x?password[]=***&password[]=***"),
    ("/x?ID_CARD=1&sd=2026-12-01", "/x?ID_CARD=***&sd=2026-12-01"),
    ("/x?mobile", "/x?mobile=***"),
    ("/x?q=a%26password%3Ds", "/x?q=a%26password%3Ds"),  # one field q, whose value is not secret
])
def test_logs_show_no_secret_query_values(uri, logged):
    request = types.SimpleNamespace(method="GET", uri=uri, remote_ip="10.0.0.1")
    assert request_summary(request) == f"GET {logged} (10.0.0.1)"


@pytest.mark.parametrize("address, counted_as", [
    ("203.0.113.7", "203.0.113.7"), ("::ffff:203.0.113.7", "203.0.113.7"),
    ("2001:db8:0:1:2:3:4:5", "2001:db8:0:1::/64"), ("2001:DB8:0:1::9", "2001:db8:0:1::/64"),
    ("::1", "::/64"), ("unknown", "unknown")])
def test_clients_are_counted_by_address_or_ipv6_64(address, counted_as):
    assert client_key(address) == counted_as


# ---- identity -------------------------------------------------------------------------------

def test_the_id_check_character_follows_gb_11643():
    assert params.id_card_check_char("11010519491231002") == "X"
    assert params.id_card_check_char("44052418800101001") == "4"  # the standard's own examples
    assert params.id_card({"id_card": "11010519491231002x"}) == "11010519491231002X"


@pytest.mark.parametrize("value", ["110105194912310021", "11010519491331002X", "1101051949123100",
                                   "11010519491231002Y"])
def test_a_wrong_id_number_is_refused_by_name(value):
    assert refused(params.id_card, {"id_card": value}).param == "id_card"


def test_id_numbers_are_masked_but_their_ends():
    assert masked_id_card("11010519491231002X") == "110***********002X"


@pytest.mark.parametrize("value, kept", [("王小明", "王小明"), ("阿依古丽・买买提", "阿依古丽·买买提"),
                                         ("John·Smith", "John·Smith")])
def test_real_names(value, kept):
    assert params.real_name({"real_name": value}) == kept


@pytest.mark.parametrize("value", ["王", "王 小明", "·王", "王1", "王小明·"])
def test_bad_real_names(value):
    assert refused(params.real_name, {"real_name": value}).param == "real_name"


# ---- the default name -----------------------------------------------------------------------

def test_a_user_who_kept_their_mobile_as_name_is_never_shown_by_it():
    assert has_default_name("13800000001", "13800000001")
    assert public_name("13800000001", "13800000001", masked=True) == "138****0001"
    assert public_name("13800000001", "13800000001") == "匿名用户"
    assert public_name("小明", "13800000001", masked=True) == "小明"


def test_names_that_read_as_a_mobile():
    assert reads_as_mobile("13912345678")
    assert reads_as_mobile("１３９１２３４５６７８")  # full-width digits read the same
    assert not reads_as_mobile("1391234567")
    assert not reads_as_mobile("小明13912345678")


# utf8mb4_unicode_ci's weights of "0123456789 " and of "A", as HEX(WEIGHT_STRING()) spells them.
UNICODE_CI = "0E290E2A0E2B0E2C0E2D0E2E0E2F0E300E310E32" + "0209"
LETTER_A = "0E33"


def weights_of(text):
    return "".join(LETTER_A if char == "A" else UNICODE_CI[4 * "0123456789 ".index(char):][:4] for char in text)


@pytest.mark.parametrize("text, mobile", [
    ("13912345678", "13912345678"), ("13912345678  ", "13912345678"), ("", None), ("1391234567", None),
    ("139123456789", None), ("12912345678", None), ("1391234 5678", None), (" 13912345678", None),
    ("13912345678A", None), ("A13912345678", None)])
def test_a_name_is_read_as_a_mobile_from_its_collation_weights(text, mobile):
    assert mobile_from_weights(weights_of(text), UNICODE_CI) == mobile


# ---- the search filter ----------------------------------------------------------------------

def search(**fields):
    return Search(**{"area_id": None, "first_night": None, "last_night": None, "sort": "new", "page": 1,
                     **fields})


FILTERS = {"price_min": 100, "price_max": 200, "capacity": 2, "facilities": (1, 3), "keyword": "a_b%"}


@pytest.mark.parametrize("fields", [{}, {"area_id": 3}, {"first_night": TODAY, "last_night": TODAY},
                                    {"area_id": 5, "first_night": TODAY, "last_night": TODAY + datetime.timedelta(days=2)},
                                    FILTERS, {"area_id": 3, **FILTERS},
                                    {"area_id": 5, "first_night": TODAY, "last_night": TODAY, **FILTERS},
                                    {"first_night": TODAY, "last_night": TODAY, "capacity": 3}])
def test_every_placeholder_of_the_search_has_its_argument(fields):
    query = search(**fields)
    # a keyword's houses come from its grams, or a common one's page from the sort index
    plans = [None] if query.keyword is None else [KeywordPlan(tuple(keyword_grams(query.keyword)), postings, 1000)
                                                  for postings in (10, 1000)]
    assert len({plan and plan.walks(query, 10, 500) for plan in plans}) == len(plans)
    for plan in plans:
        for sql, args in (count_query(query, plan), page_query(query, 10, plan, 500),
                          gram_counts_query(query, plan.grams, 20_000) if plan else ("", [])):
            assert sql.count("%s") == len(args)


def test_a_keyword_is_looked_for_by_the_grams_every_match_holds():
    assert keyword_grams("a_b%") == ["a_", "_b", "b%"]
    assert keyword_grams("朝阳朝阳") == ["朝阳", "阳朝"]
    assert keyword_grams("%") == ["%"]


def test_the_cache_name_holds_every_part_of_a_search():
    query = search(area_id=2, first_night=TODAY, last_night=TODAY, sort="price-inc", page=3)
    assert query.cache_name(10) == "search:2:2026-12-03..2026-12-03:price-inc:3:10"
    assert query.cache_name(10) != query.cache_name(20)
    filtered = {search(**{name: value}).cache_name(10) for name, value in FILTERS.items()}
    assert len(filtered) == len(FILTERS) and query.cache_name(10) not in filtered


def test_a_keyword_is_matched_literally():
    assert like_pattern("50%_a!") == "%50!%!_a!!%"


# ---- the order state machine ----------------------------------------------------------------

@pytest.mark.parametrize("status, end_date, viewer, allowed", [
    (0, TODAY, GUEST, ["cancel"]),
    (0, TODAY, LANDLORD, ["accept", "reject"]),
    (3, TODAY, GUEST, []),  # the last night is tonight: the review waits
    (3, TODAY - datetime.timedelta(days=1), GUEST, ["comment"]),
    (3, TODAY - datetime.timedelta(days=1), LANDLORD, []),
    (4, TODAY - datetime.timedelta(days=1), GUEST, []),
    (5, TODAY, GUEST, []),
    (6, TODAY, LANDLORD, []),
    (7, TODAY, GUEST, []),  # expired unanswered
    (7, TODAY, LANDLORD, []),
])
def test_available_actions(status, end_date, viewer, allowed):
    assert available_actions({"status": status, "end_date": end_date}, viewer, TODAY) == allowed


# ---- the site's clock -----------------------------------------------------------------------

def test_stored_utc_times_show_in_the_sites_zone():
    clock = SiteClock("Asia/Shanghai")
    assert clock.show_timestamp(datetime.datetime(2026, 12, 3, 20, 30)) == "2026-12-04 04:30:00"
    assert 1 <= clock.seconds_until_midnight() <= 24 * 3600


# ---- GTID positions (replica reads) ---------------------------------------------------------

def test_a_gtid_position_is_the_sequence_number_of_each_domain():
    assert gtid_position("0-1-42") == {0: 42}
    assert gtid_position("0-1-42,1-2-7") == {0: 42, 1: 7}
    assert gtid_position(" 0-3-5 , 2-1-9") == {0: 5, 2: 9}
    assert gtid_position("") == {}


@pytest.mark.parametrize("applied, position, result", [
    ("0-1-42", "0-1-42", True),
    ("0-1-43", "0-1-42", True),
    ("0-1-41", "0-1-42", False),
    ("0-2-50", "0-1-42", True),  # another server of the domain (after a failover) counts alike
    ("0-1-42", "0-1-42,1-2-7", False),  # nothing applied of domain 1
    ("0-1-42,1-2-7", "1-2-7", True),
    ("", "", True),
    ("", "0-1-1", False),
])
def test_a_server_has_applied_a_position_when_it_is_as_far_in_every_domain(applied, position, result):
    assert includes(gtid_position(applied), gtid_position(position)) is result
