"""Requests malformed at the HTTP level, sent byte for byte over a socket: each still gets the JSON
envelope with its status."""
import pytest

from tests.helpers import raw_exchange, request_head

JSON_BODY_LIMIT = 64 * 1024
UPLOAD_BODY_LIMIT = 10 * 1024 * 1024 + 64 * 1024  # the server's default image limit and framing
JSON = {"Content-Type": "application/json"}


def assert_envelope(answer, status, errmsg):
    got_status, headers, body = answer
    assert got_status == status, answer
    assert headers["content-type"] == "application/json; charset=UTF-8"
    assert body == {"errcode": "4103", "errmsg": errmsg}


def post_login(server, client, headers, *body_parts):
    head = request_head(client, "POST", "/api/login", {**JSON, **headers})
    return raw_exchange(server.port, head, *body_parts)


# ---- bodies too large ------------------------------------------------------------------------

@pytest.mark.parametrize("length", [JSON_BODY_LIMIT + 1, UPLOAD_BODY_LIMIT + 1, 1024 ** 3])
def test_a_json_body_declared_too_large_is_refused_before_it_is_read(server, client, length):
    assert_envelope(post_login(server, client, {"Content-Length": str(length)}), 413, "请求体过大")


def test_a_chunked_json_body_is_cut_off_once_it_runs_over_64_kb(server, client):
    chunk = b" " * 4096  # JSON whitespace
    full_chunks = [b"1000\r\n" + chunk + b"\r\n"] * (JSON_BODY_LIMIT // len(chunk))
    # one byte over the limit, and nothing after it: the server has read all that was sent
    answer = post_login(server, client, {"Transfer-Encoding": "chunked"}, *full_chunks, b"1\r\n ")
    assert_envelope(answer, 413, "请求体过大")


def test_a_chunked_json_body_within_the_limit_is_read(server, client):
    body = b'{"mobile": "13800138000", "password": "correct horse 1"}'
    answer = post_login(server, client, {"Transfer-Encoding": "chunked", "Connection": "close"},
                        b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert answer[0] == 200 and answer[2]["errcode"] == "4102"  # read: no such user


def test_a_malformed_form_body_is_400(client):
    response = client.post("/api/house/list", content=b"no parts at all",
                           headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 400
    assert response.json() == {"errcode": "4103", "errmsg": "表单格式错误"}


