"""Requests malformed at the HTTP level, sent byte for byte over a socket: each still gets the JSON
envelope with its status, including those Tornado refuses before any handler exists."""
import httpx
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



def test_a_body_sent_to_a_page_is_refused_over_64_kb(server):
    # Pages and media take no body and do not stream it: the server's own cap refuses it.
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (JSON_BODY_LIMIT + 1)
    answer = raw_exchange(server.port, head)
    assert_envelope(answer, 400, "请求格式错误")

# ---- framing Tornado refuses -----------------------------------------------------------------

@pytest.mark.parametrize("length", ["abc", "-1", "0x10", "5, 6"])
def test_a_malformed_content_length_is_400(server, client, length):
    assert_envelope(post_login(server, client, {"Content-Length": length}), 400, "请求格式错误")


def test_content_length_with_transfer_encoding_is_400(server, client):
    answer = post_login(server, client, {"Content-Length": "2", "Transfer-Encoding": "chunked"}, b"{}")
    assert_envelope(answer, 400, "请求格式错误")


@pytest.mark.parametrize("body", [
    b"zz\r\n{}\r\n0\r\n\r\n",                # a chunk size that is not hexadecimal
    b"2\r\n{}XX",                          # a chunk not ended by CRLF
    b"2\r\n{}\r\n0\r\nXX",                  # a last chunk not ended by CRLF
    b"0" * 70 + b"2\r\n{}\r\n0\r\n\r\n",   # a chunk-size line longer than 64 bytes
], ids=["size", "chunk-end", "last-chunk-end", "size-line-too-long"])
def test_bad_chunked_framing_is_400(server, client, body):
    assert_envelope(post_login(server, client, {"Transfer-Encoding": "chunked"}, body), 400, "请求格式错误")


def test_an_unknown_transfer_encoding_is_400(server, client):
    assert_envelope(post_login(server, client, {"Transfer-Encoding": "gzip"}, b"{}"), 400, "请求格式错误")


def test_too_many_query_fields_is_400(server):
    query = "&".join(["aid=1"] * 1001)
    answer = raw_exchange(server.port, f"GET /api/house/list?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert_envelope(answer, 400, "请求格式错误")


@pytest.mark.parametrize("request_bytes", [
    b"GET /api/house/area\r\nHost: x\r\n\r\n",           # no HTTP version
    b"GET /api/house/area HTTP/1.1\r\n\r\n",             # no Host
    b"GET /api/house/area HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n",
], ids=["request-line", "host", "header-line"])
def test_a_malformed_head_is_400(server, request_bytes):
    assert_envelope(raw_exchange(server.port, request_bytes), 400, "请求格式错误")


# ---- heads too large -------------------------------------------------------------------------

def test_a_request_line_over_64_kb_is_431(server):
    head = b"GET /api/house/area?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = raw_exchange(server.port, head)
    assert_envelope(answer, 431, "请求头过大")


def test_headers_over_64_kb_are_431(server):
    head = b"GET /api/house/area HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    answer = raw_exchange(server.port, head)
    assert_envelope(answer, 431, "请求头过大")



# ---- refused before the request is read ------------------------------------------------------

REPEATS = 20  # a client sending its next request at once used to find the connection reset 1 time in 5


@pytest.mark.parametrize("method, path", [("GET", "/api/no/such/route"), ("POST", "/api/order"),
                                          ("PATCH", "/api/house/area")],
                         ids=["unknown path", "no XSRF token", "unknown method"])
def test_an_answer_given_before_the_request_is_read_closes_its_connection_and_says_so(server, method, path):
    """Tornado closes a connection whose request it answered before reading it in full: the answer
    says `Connection: close`, so that a keep-alive client never sends its next request down it."""
    for _ in range(REPEATS):
        with httpx.Client(base_url=server.url) as client:
            refused = client.request(method, path)
            assert refused.headers["Connection"] == "close", refused.headers
            assert client.get("/api/house/area").json()["errcode"] == "0"
