"""The passport of docs/openapi.yaml through HTTP: captcha, SMS code, register, login, check_login, logout."""
import functools
import json
import time

import pytest

from tests.conftest import ServerProcess
from tests.helpers import (DEFAULT_PASSWORD, ask_for_sms_code, at_once, captcha_key, login, of_this_incarnation, register,
                           registration, request_sms_code, sms_code_key)
from tests.stores import wait_until

MOBILE = "13800138000"


# ---- captcha --------------------------------------------------------------------------------

def test_piccode_is_an_uncached_image_remembered_for_180s(client, redis_client):
    response = client.get("/api/piccode?cur=abc-1")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.content.startswith(b"\x89PNG")
    width, height = int.from_bytes(response.content[16:20], "big"), int.from_bytes(response.content[20:24], "big")
    assert width >= 100 and height >= 40
    assert len(redis_client.get(captcha_key(redis_client, "abc-1"))) == 4
    assert 170 <= redis_client.ttl(captcha_key(redis_client, "abc-1")) <= 180


def test_piccode_forgets_the_previous_image(client, redis_client):
    client.get("/api/piccode?cur=first")
    client.get("/api/piccode?cur=second&pre=first")
    assert redis_client.get(captcha_key(redis_client, "first")) is None
    assert redis_client.get(captcha_key(redis_client, "second")) is not None


@pytest.mark.parametrize("query", ["", "?cur=", "?cur=has%20space", "?cur=" + "x" * 65])
def test_piccode_needs_a_valid_id(client, query):
    response = client.get("/api/piccode" + query)
    assert response.status_code == 400
    assert response.json()["errcode"] == "4103"


def test_captcha_is_case_insensitive(client, redis_client):
    client.get("/api/piccode?cur=c1")
    answer = redis_client.get(captcha_key(redis_client, "c1")).lower()
    assert ask_for_sms_code(client, MOBILE, answer, "c1") == {"errcode": "0", "errmsg": "发送成功"}


def test_captcha_is_single_use_even_when_wrong(client, redis_client):
    client.get("/api/piccode?cur=c1")
    answer = redis_client.get(captcha_key(redis_client, "c1"))
    assert ask_for_sms_code(client, MOBILE, "ZZZZ" if answer != "ZZZZ" else "YYYY", "c1")["errcode"] == "4004"
    assert ask_for_sms_code(client, MOBILE, answer, "c1")["errcode"] == "4002"


def test_captcha_is_single_use_when_right(client, redis_client):
    assert request_sms_code(client, redis_client, MOBILE, "c1")["errcode"] == "0"
    assert ask_for_sms_code(client, "13900139000", "ABCD", "c1")["errcode"] == "4002"


def test_unknown_captcha_is_expired(client):
    assert ask_for_sms_code(client, MOBILE, "ABCD", "never-issued")["errcode"] == "4002"


# ---- SMS code -------------------------------------------------------------------------------

def test_sms_code_is_six_digits_kept_300s(client, redis_client):
    request_sms_code(client, redis_client, MOBILE)
    code = redis_client.get(sms_code_key(redis_client, MOBILE))
    assert len(code) == 6 and code.isdigit()
    assert 290 <= redis_client.ttl(sms_code_key(redis_client, MOBILE)) <= 300


@pytest.mark.parametrize("body", [
    {"piccode": "ABCD", "piccode_id": "c1"},
    {"mobile": "12800138000", "piccode": "ABCD", "piccode_id": "c1"},
    {"mobile": "1380013800", "piccode": "ABCD", "piccode_id": "c1"},
    {"mobile": MOBILE, "piccode_id": "c1"},
    {"mobile": MOBILE, "piccode": "ABCD"},
    {"mobile": MOBILE, "piccode": "ABCD", "piccode_id": "bad id"},
])
def test_sms_code_parameters_are_checked_before_the_captcha(client, redis_client, body):
    client.get("/api/piccode?cur=c1")
    assert client.api("POST", "/api/smscode", json=body)["errcode"] == "4103"
    assert redis_client.get(captcha_key(redis_client, "c1")) is not None


def test_sms_code_refuses_a_registered_mobile(client, redis_client, new_client):
    register(client, redis_client, MOBILE)
    assert request_sms_code(new_client(), redis_client, MOBILE)["errcode"] == "4003"


def test_sms_code_resend_waits_60s(client, redis_client):
    assert request_sms_code(client, redis_client, MOBILE, "c1")["errcode"] == "0"
    client.get("/api/piccode?cur=c2")
    response = client.post("/api/smscode", json={"mobile": MOBILE, "piccode": redis_client.get(captcha_key(redis_client, "c2")),
                                                 "piccode_id": "c2"})
    assert response.json()["errcode"] == "4201"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_sms_code_at_most_10_a_day_per_mobile(client, redis_client):
    for i in range(10):
        assert request_sms_code(client, redis_client, MOBILE, f"c{i}")["errcode"] == "0"
        redis_client.delete(f"ihome:sms_interval:{MOBILE}")  # as if 60 s had passed
    assert request_sms_code(client, redis_client, MOBILE, "c10")["errcode"] == "4201"


def test_sms_code_at_most_50_a_day_per_ip(client, redis_client):
    for i in range(50):
        assert request_sms_code(client, redis_client, f"1380000{i:04d}", f"c{i}")["errcode"] == "0"
    body = request_sms_code(client, redis_client, "13900000000", "c50")
    assert body["errcode"] == "4201"
    # the refused request took nothing from the mobile's own quota
    assert redis_client.get("ihome:sms_interval:13900000000") is None


@pytest.fixture
def failing_sms_server():
    failing = ServerProcess("failing-sms", IHOME_SMS_BACKEND="tests.sms_backends:FailingSmsBackend")
    failing.start()
    try:
        yield failing.wait_ready()
    finally:
        assert failing.stop() == 0


def test_sms_provider_failure_is_4301_and_can_be_retried_at_once(failing_sms_server, new_client,
                                                                 redis_client):
    client = new_client(failing_sms_server.url)
    assert request_sms_code(client, redis_client, MOBILE, "c1")["errcode"] == "4301"
    assert redis_client.get(sms_code_key(redis_client, MOBILE)) is None
    assert request_sms_code(client, redis_client, MOBILE, "c2")["errcode"] == "4301"


# ---- register -------------------------------------------------------------------------------

def test_register_logs_in_and_names_the_user_after_the_mobile(client, redis_client):
    data = register(client, redis_client, MOBILE)
    assert data["name"] == MOBILE and isinstance(data["user_id"], int)
    assert redis_client.get(sms_code_key(redis_client, MOBILE)) is None


def test_register_stores_an_argon2id_hash(client, redis_client, db_conn):
    register(client, redis_client, MOBILE)
    with db_conn.cursor() as cur:
        cur.execute("SELECT password_hash FROM ih_user WHERE mobile = %s", (MOBILE,))
        assert cur.fetchone()[0].startswith("$argon2id$")


def test_register_without_a_code_sent_is_expired(client):
    assert registration(client, MOBILE, "000000") == {"errcode": "4002", "errmsg": "验证码过期", "param": "phonecode"}


def test_register_with_a_wrong_code(client, redis_client):
    request_sms_code(client, redis_client, MOBILE)
    wrong = "111111" if redis_client.get(sms_code_key(redis_client, MOBILE)) != "111111" else "222222"
    assert registration(client, MOBILE, wrong) == {"errcode": "4004", "errmsg": "验证码错误", "param": "phonecode"}


def test_five_wrong_codes_void_the_code(client, redis_client):
    request_sms_code(client, redis_client, MOBILE)
    code = redis_client.get(sms_code_key(redis_client, MOBILE))
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        assert registration(client, MOBILE, wrong)["errmsg"] == "验证码错误"
    assert registration(client, MOBILE, code) == {"errcode": "4002", "errmsg": "验证码过期", "param": "phonecode"}


@pytest.mark.parametrize("password", ["short12", "x" * 129])
def test_register_password_rules_come_first_and_cost_no_attempt(client, redis_client, password):
    request_sms_code(client, redis_client, MOBILE)
    code = redis_client.get(sms_code_key(redis_client, MOBILE))
    assert registration(client, MOBILE, "999999" if code != "999999" else "888888",
                        password=password)["errcode"] == "4106"
    assert redis_client.get(of_this_incarnation(redis_client, f"ihome:sms_attempts:{MOBILE}")) is None
    assert registration(client, MOBILE, code)["errcode"] == "0"


@pytest.mark.parametrize("body", [
    {"phonecode": "123456", "password": DEFAULT_PASSWORD},
    {"mobile": "23800138000", "phonecode": "123456", "password": DEFAULT_PASSWORD},
    {"mobile": MOBILE, "password": DEFAULT_PASSWORD},
    {"mobile": MOBILE, "phonecode": "123456"},
    {"mobile": MOBILE, "phonecode": "123456", "password": 12345678},
])
def test_register_parameters(client, body):
    assert client.api("POST", "/api/register", json=body)["errcode"] == "4103"


def test_register_a_taken_mobile(client, redis_client, new_client):
    register(client, redis_client, MOBILE)
    redis_client.set(sms_code_key(redis_client, MOBILE), "123456")  # a code obtained before the other sign-up
    assert registration(new_client(), MOBILE, "123456")["errcode"] == "4003"


def test_register_accepts_a_form_body(client, redis_client):
    request_sms_code(client, redis_client, MOBILE)
    body = client.api("POST", "/api/register", data={"mobile": MOBILE, "password": DEFAULT_PASSWORD,
                                                     "phonecode": redis_client.get(sms_code_key(redis_client, MOBILE))})
    assert body["errcode"] == "0"


# ---- login, sessions, logout ----------------------------------------------------------------

def session_cookie_header(response):
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith("session_id="))


def test_login_and_check_login(client, redis_client, new_client):
    user = register(client, redis_client, MOBILE)
    other = new_client()
    assert other.api("GET", "/api/check_login") == {"errcode": "4102", "errmsg": "false"}
    assert login(other, MOBILE) == {"errcode": "0", "errmsg": "OK"}
    assert other.api("GET", "/api/check_login") == {"errcode": "0", "errmsg": "true", "data": user}


def test_login_failures_share_one_message(client, redis_client):
    register(client, redis_client, MOBILE)
    unknown = login(client, "13900139000")
    wrong = login(client, MOBILE, "wrong password")
    assert unknown["errcode"] == wrong["errcode"] == "4102"
    assert unknown["errmsg"] == wrong["errmsg"]


@pytest.mark.parametrize("body", [{"password": "x" * 8}, {"mobile": "abc", "password": "x" * 8},
                                  {"mobile": MOBILE}, {"mobile": MOBILE, "password": ""}])
def test_login_parameters(client, body):
    assert client.api("POST", "/api/login", json=body)["errcode"] == "4103"


def test_five_failures_lock_login_for_10_minutes(client, redis_client):
    register(client, redis_client, MOBILE)
    for _ in range(5):
        assert login(client, MOBILE, "wrong password")["errcode"] == "4102"
    response = client.post("/api/login", json={"mobile": MOBILE, "password": DEFAULT_PASSWORD})
    assert response.json()["errcode"] == "4201"
    assert 590 <= int(response.headers["Retry-After"]) <= 600
    redis_client.delete(f"ihome:login_failures:{MOBILE}")  # as if 10 minutes had passed
    assert login(client, MOBILE)["errcode"] == "0"


def test_a_success_resets_the_failure_count(client, redis_client):
    register(client, redis_client, MOBILE)
    for _ in range(4):
        login(client, MOBILE, "wrong password")
    assert login(client, MOBILE)["errcode"] == "0"
    for _ in range(4):
        login(client, MOBILE, "wrong password")
    assert login(client, MOBILE)["errcode"] == "0"


def test_session_cookie_flags_and_redis_ttl(client, redis_client):
    register(client, redis_client, MOBILE)
    response = client.post("/api/login", json={"mobile": MOBILE, "password": DEFAULT_PASSWORD})
    header = session_cookie_header(response).lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    (key,) = redis_client.keys("sess_*")
    assert len(key) >= len("sess_") + 22  # at least 128 random bits
    assert 86390 <= redis_client.ttl(key) <= 86400
    assert json.loads(redis_client.get(key))["mobile"] == MOBILE


def test_login_issues_a_new_session_and_deletes_the_old(client, redis_client):
    register(client, redis_client, MOBILE)
    (first,) = redis_client.keys("sess_*")
    first_cookie = client.cookies["session_id"]
    login(client, MOBILE)
    (second,) = redis_client.keys("sess_*")
    assert second != first and client.cookies["session_id"] != first_cookie


def test_session_slides_on_use(client, redis_client):
    register(client, redis_client, MOBILE)
    (key,) = redis_client.keys("sess_*")
    redis_client.expire(key, 100)
    client.get("/api/check_login")
    assert redis_client.ttl(key) > 86000


def test_session_ends_30_days_after_login(client, redis_client):
    register(client, redis_client, MOBILE)
    (key,) = redis_client.keys("sess_*")
    data = json.loads(redis_client.get(key))
    data["expires_at"] = int(time.time()) + 50
    redis_client.set(key, json.dumps(data), ex=86400)
    assert client.api("GET", "/api/check_login")["errcode"] == "0"
    assert redis_client.ttl(key) <= 51  # never slides past the absolute limit
    data["expires_at"] = int(time.time()) - 1
    redis_client.set(key, json.dumps(data), ex=86400)
    assert client.api("GET", "/api/check_login")["errcode"] == "4102"
    assert redis_client.get(key) is None


def test_corrupt_session_is_4101_and_dropped(client, redis_client):
    register(client, redis_client, MOBILE)
    (key,) = redis_client.keys("sess_*")
    redis_client.set(key, "not json")
    assert client.api("GET", "/api/check_login")["errcode"] == "4101"
    assert client.api("GET", "/api/check_login")["errcode"] == "4102"


def test_forged_session_cookie_is_anonymous(client, redis_client):
    register(client, redis_client, MOBILE)
    (key,) = redis_client.keys("sess_*")
    client.cookies.set("session_id", key.removeprefix("sess_"))  # unsigned
    assert client.api("GET", "/api/check_login")["errcode"] == "4102"


def test_anonymous_requests_create_no_session(client, redis_client):
    client.get("/api/check_login")
    client.get("/")
    login(client, "13900139000")
    assert redis_client.keys("sess_*") == []
    assert "session_id" not in client.cookies


def test_logout_deletes_the_session(client, redis_client):
    register(client, redis_client, MOBILE)
    response = client.get("/api/logout")
    assert response.json() == {"errcode": "0", "errmsg": "退出成功"}
    assert redis_client.keys("sess_*") == []
    assert client.api("GET", "/api/check_login")["errcode"] == "4102"


def test_logout_by_post(client, redis_client):
    register(client, redis_client, MOBILE)
    assert client.api("POST", "/api/logout")["errcode"] == "0"
    assert redis_client.keys("sess_*") == []


# ---- per-IP limits, on a server of their own behind a "proxy" (X-Real-IP) ----------------------

@pytest.fixture(scope="module")
def limited_server():
    limited = ServerProcess("per-ip-limits", IHOME_XHEADERS="true", IHOME_LOGIN_IP_FAILURES="3",
                            IHOME_CAPTCHA_IP_PER_MINUTE="3")
    limited.start()
    try:
        yield limited.wait_ready()
    finally:
        assert limited.stop() == 0


@pytest.fixture
def behind_proxy(limited_server, new_client):
    """A client of `limited_server`; `login_from(ip, ...)` and `captcha_from(ip, ...)` call as if from `ip`."""
    return new_client(limited_server.url)


def login_from(client, ip, mobile, password=DEFAULT_PASSWORD):
    return client.post("/api/login", json={"mobile": mobile, "password": password}, headers={"X-Real-IP": ip})


def captcha_from(client, ip, captcha_id):
    return client.get(f"/api/piccode?cur={captcha_id}", headers={"X-Real-IP": ip})


def test_failed_logins_from_one_address_are_limited(behind_proxy, redis_client):
    register(behind_proxy, redis_client, MOBILE)
    for i in range(3):
        assert login_from(behind_proxy, "203.0.113.7", f"1390000000{i}").json()["errcode"] == "4102"
    refused = login_from(behind_proxy, "203.0.113.7", MOBILE)  # the right password, not even checked
    assert refused.json() == {"errcode": "4201", "errmsg": "当前网络登录失败次数过多，请稍后再试"}
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert login_from(behind_proxy, "203.0.113.8", MOBILE).json()["errcode"] == "0"


def test_a_burst_of_failed_logins_cannot_outrun_the_count(behind_proxy):
    answers = at_once(*[functools.partial(login_from, behind_proxy, "203.0.113.7", f"1390000000{i}", "wrong")
                        for i in range(8)])
    assert sorted(answer.json()["errcode"] for answer in answers) == ["4102"] * 3 + ["4201"] * 5


def test_successful_logins_do_not_count_against_the_address(behind_proxy, redis_client):
    register(behind_proxy, redis_client, MOBILE)
    for _ in range(5):
        assert login_from(behind_proxy, "203.0.113.7", MOBILE).json()["errcode"] == "0"
    for i in range(3):
        assert login_from(behind_proxy, "203.0.113.7", f"1390000000{i}").json()["errcode"] == "4102"
    assert login_from(behind_proxy, "203.0.113.7", MOBILE).json()["errcode"] == "4201"


@pytest.mark.parametrize("spellings, elsewhere", [
    (["198.51.100.1", "::ffff:198.51.100.1", "198.51.100.1"], "198.51.100.2"),
    (["2001:db8:0:1::1", "2001:db8:0:1::2", "2001:db8:0:1:ffff:ffff:ffff:ffff"], "2001:db8:0:2::1"),
], ids=["ipv4-mapped-into-ipv6", "one-ipv6-/64"])
def test_an_address_is_counted_once_whatever_its_spelling(behind_proxy, spellings, elsewhere):
    for i, ip in enumerate(spellings):
        assert login_from(behind_proxy, ip, f"1390000000{i}").json()["errcode"] == "4102"
    assert login_from(behind_proxy, spellings[0], "13900000009").json()["errcode"] == "4201"
    assert login_from(behind_proxy, elsewhere, "13900000009").json()["errcode"] == "4102"


def test_captchas_from_one_address_are_limited(behind_proxy, redis_client):
    for i in range(3):
        assert captcha_from(behind_proxy, "203.0.113.7", f"c{i}").headers["Content-Type"] == "image/png"
    refused = captcha_from(behind_proxy, "203.0.113.7", "c3")
    assert refused.status_code == 200 and refused.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert refused.json() == {"errcode": "4201", "errmsg": "获取图片验证码过于频繁，请稍后再试"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert redis_client.get(captcha_key(redis_client, "c3")) is None
    assert captcha_from(behind_proxy, "203.0.113.8", "c3").headers["Content-Type"] == "image/png"


# ---- secrets stay out of URLs and logs ----------------------------------------------------------

QUERY_SECRET = "QueryStringSecret42"


def test_credentials_in_the_query_string_are_not_read(server, client, new_client, redis_client):
    register(client, redis_client, MOBILE, QUERY_SECRET)
    other = new_client()
    body = other.api("POST", f"/api/login?mobile={MOBILE}&password={QUERY_SECRET}")
    assert (body["errcode"], body["param"]) == ("4103", "mobile")
    body = other.api("POST", f"/api/login?password={QUERY_SECRET}", json={"mobile": MOBILE})
    assert (body["errcode"], body["param"]) == ("4103", "password")
    assert other.api("GET", "/api/check_login")["errcode"] == "4102"
    redis_client.set(sms_code_key(redis_client, "13900139000"), "123456")
    body = other.api("POST", f"/api/register?mobile=13900139000&phonecode=123456&password={QUERY_SECRET}")
    assert (body["errcode"], body["param"]) == ("4103", "mobile")
    assert QUERY_SECRET not in server.log_path.read_text()


def test_secret_query_fields_are_blanked_in_the_access_log(server, client):
    client.get(f"/api/check_login?blanked=1&password={QUERY_SECRET}&Mobile=13912345678&phonecode=654321"
               "&id_card=11010519491231002X&real_name=%E7%8E%8B&_xsrf=token&kept=2")
    # Tornado writes the access log line just after the answer has gone.
    wait_until(lambda: "/api/check_login?blanked=1" in server.log_path.read_text(), "the access log line")
    (line,) = [line for line in server.log_path.read_text().splitlines() if "/api/check_login?blanked=1" in line]
    assert ("GET /api/check_login?blanked=1&password=***&Mobile=***&phonecode=***&id_card=***&real_name=***"
            "&_xsrf=***&kept=2 (127.0.0.1)") in line


# ---- digits are ASCII digits ------------------------------------------------------------------
# The database reads ０-９ and ٠-٩ as 0-9; Redis keys (quotas, lockouts, codes) do not.

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
OTHER_DIGITS = pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC], ids=["full-width", "arabic-indic"])


def respelled(number, digits):
    return number[:3] + number[3:].translate(digits)


@OTHER_DIGITS
def test_a_locked_mobile_stays_locked_whatever_its_digits(client, new_client, redis_client, digits):
    register(client, redis_client, MOBILE)
    other = new_client()
    for _ in range(5):
        assert login(other, MOBILE, "wrong password")["errcode"] == "4102"
    body = login(other, respelled(MOBILE, digits))
    assert (body["errcode"], body["param"]) == ("4103", "mobile")
    assert other.api("GET", "/api/check_login")["errcode"] == "4102"


@OTHER_DIGITS
def test_sms_codes_and_registration_take_ascii_digits_only(client, redis_client, db_conn, digits):
    mobile = respelled(MOBILE, digits)
    body = request_sms_code(client, redis_client, mobile)
    assert (body["errcode"], body["param"]) == ("4103", "mobile")
    redis_client.set(sms_code_key(redis_client, mobile), "123456")  # as if a code had gone to that spelling
    body = registration(client, mobile, "123456")
    assert (body["errcode"], body["param"]) == ("4103", "mobile")
    with db_conn.cursor() as cur:
        assert cur.execute("SELECT 1 FROM ih_user") == 0


@pytest.mark.parametrize("spell", [lambda code: code.translate(FULL_WIDTH), lambda code: code.translate(ARABIC_INDIC),
                                   lambda code: code[:5], lambda code: code + "0", lambda code: f" {code[:3]} {code[3:]}"],
                         ids=["full-width", "arabic-indic", "five-digits", "seven-digits", "spaced"])
def test_a_malformed_sms_code_is_refused_and_costs_no_attempt(client, redis_client, spell):
    request_sms_code(client, redis_client, MOBILE)
    code = redis_client.get(sms_code_key(redis_client, MOBILE))
    assert registration(client, MOBILE, spell(code)) == {"errcode": "4103", "errmsg": "参数 phonecode 无效：应为6位数字",
                                                         "param": "phonecode"}
    assert redis_client.get(of_this_incarnation(redis_client, f"ihome:sms_attempts:{MOBILE}")) is None
    assert registration(client, MOBILE, code)["errcode"] == "0"


def test_a_captcha_answer_is_ascii(client, redis_client):
    client.get("/api/piccode?cur=c1")
    redis_client.set(captcha_key(redis_client, "c1"), "FFXY", keepttl=True)
    body = ask_for_sms_code(client, MOBILE, "\ufb00XY", "c1")  # the ligature ﬀ upper-cases to FF
    assert (body["errcode"], body["param"]) == ("4103", "piccode")
    assert ask_for_sms_code(client, MOBILE, "ffxy", "c1")["errcode"] == "0"


# ---- protocol-level answers -----------------------------------------------------------------

def test_post_without_xsrf_token_is_refused(server):
    import httpx
    response = httpx.post(server.url + "/api/login", json={"mobile": MOBILE, "password": "x" * 8})
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.json()["errcode"] == "4101"


def test_a_form_may_carry_the_xsrf_token_as_a_field(server):
    import httpx
    with httpx.Client(base_url=server.url) as browser:
        browser.get("/api/check_login")
        form = {"mobile": MOBILE, "password": "x" * 8}
        checked = browser.post("/api/login", data={**form, "_xsrf": browser.cookies["_xsrf"]})
        assert (checked.status_code, checked.json()["errcode"]) == (200, "4102")  # let through: no such user
        for token in ("wrong", ""):
            refused = browser.post("/api/login", data={**form, "_xsrf": token})
            assert (refused.status_code, refused.json()["errcode"]) == (403, "4101")
        assert browser.post("/api/logout", data={}).status_code == 403  # an empty form names no token


def test_xsrf_cookie_is_set_by_check_login_and_pages(server):
    import httpx
    assert "_xsrf" in httpx.get(server.url + "/api/check_login").cookies
    page = httpx.get(server.url + "/")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "_xsrf" in page.cookies


def test_malformed_json_is_400(client):
    response = client.post("/api/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errcode"] == "4103"


def test_json_that_is_not_an_object_is_400(client):
    response = client.post("/api/login", json=["13800138000"])
    assert response.status_code == 400 and response.json()["errcode"] == "4103"


def test_oversized_body_is_413(client):
    response = client.post("/api/login", json={"mobile": MOBILE, "password": "x" * 100_000})
    assert response.status_code == 413
    assert response.json()["errcode"] == "4103"


@pytest.mark.parametrize("path", ["/api/nope", "/api", "/api/login/extra", "/api/house/nope"])
def test_unknown_api_route_is_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.json()["errcode"] == "4002"


def test_wrong_method_is_json_405(client):
    response = client.get("/api/register")
    assert response.status_code == 405
    assert response.json()["errcode"] == "4103"
