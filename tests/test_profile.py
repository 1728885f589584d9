"""Contract §4.2 through HTTP: profile, avatar uploads, display name, real-name verification."""
import datetime
import shutil

import pytest
from PIL import Image

from models.user import NAME_COLLATION
from tests.helpers import (at_once, encode_image, fetch_image, house_cache_generation, id_card, login_ok,
                           png_claiming_size, profile, raw_upload, register, rename, upload_avatar, verify_identity)

MOBILE = "13800138000"
OTHER_MOBILE = "13900139000"
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # the server's default
UPLOAD_BODY_LIMIT = MAX_IMAGE_BYTES + 64 * 1024
GOOD_ID = id_card("11010519900307123")


@pytest.fixture
def user(client, redis_client):
    return register(client, redis_client, MOBILE)


# ---- images made for the tests -------------------------------------------------------------

def halves(size, first="red", second="blue"):
    """An image whose left half is `first` and right half `second`."""
    image = Image.new("RGB", size, first)
    image.paste(Image.new("RGB", (size[0] - size[0] // 2, size[1]), second), (size[0] // 2, 0))
    return image


def animated_gif():
    frames = [Image.new("RGB", (40, 30), color) for color in ("red", "blue", "green")]
    return encode_image(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def transparent_png():
    image = Image.new("RGBA", (80, 60), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 40, 60))
    return encode_image(image, "PNG")


def exif_rotated_jpeg():
    """Stored 600x300 (red left, blue right) with EXIF orientation 6 (shown turned 90° clockwise:
    red on top), plus a camera make that must not survive."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretCam"
    return encode_image(halves((600, 300)), "JPEG", exif=exif)


def avatar_key(db_conn, user_id):
    with db_conn.cursor() as cur:
        cur.execute("SELECT avatar FROM ih_user WHERE id = %s", (user_id,))
        return cur.fetchone()[0]


# ---- GET /api/profile -----------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [("GET", "/api/profile"), ("POST", "/api/profile/name"),
                                         ("GET", "/api/profile/auth"), ("POST", "/api/profile/auth")])
def test_profile_routes_need_a_login(client, method, url):
    assert client.api(method, url, json={"name": "x"})["errcode"] == "4102"


def test_anonymous_avatar_upload_needs_a_login(client):
    assert upload_avatar(client, encode_image(Image.new("RGB", (8, 8)), "JPEG"))["errcode"] == "4102"


def test_new_user_profile(client, user):
    assert profile(client) == {"user_id": user["user_id"], "name": MOBILE, "mobile": MOBILE,
                               "avatar": None, "avatar_thumb": None, "real_name_verified": False}


# ---- avatar ---------------------------------------------------------------------------------

@pytest.mark.parametrize("content, filename, served_format", [
    (encode_image(halves((300, 200)), "JPEG"), "a.jpg", "JPEG"),
    (encode_image(halves((300, 200)), "PNG"), "a.png", "JPEG"),
    (transparent_png(), "a.png", "WEBP"),
    (animated_gif(), "a.gif", "JPEG"),
    (encode_image(halves((300, 200)), "WEBP"), "a.webp", "JPEG"),
    (encode_image(Image.new("RGBA", (50, 50), (0, 255, 0, 128)), "WEBP"), "a.webp", "WEBP"),
    (encode_image(Image.new("L", (50, 50), 128), "PNG"), "grey.png", "JPEG"),
], ids=["jpeg", "png", "png-alpha", "gif-animated", "webp", "webp-alpha", "png-grey"])
def test_avatar_accepts_each_format(client, server, user, content, filename, served_format):
    body = upload_avatar(client, content, filename=filename, content_type="application/octet-stream")
    assert body["errcode"] == "0", body
    url = body["data"]
    assert url.startswith(server.url + "/media/")
    assert profile(client)["avatar"] == url
    response, image = fetch_image(client, url)
    assert image.format == served_format
    assert response.headers["Content-Type"] == f"image/{'jpeg' if served_format == 'JPEG' else 'webp'}"
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_16_bit_grey_png_keeps_its_tones(client, user):
    url = upload_avatar(client, encode_image(Image.new("I;16", (40, 40), 30000), "PNG"), filename="a.png")["data"]
    grey = fetch_image(client, url)[1].convert("L").getpixel((20, 20))
    assert 110 <= grey <= 125  # 30000 / 65535 of white


def test_avatar_is_scaled_to_512(client, user):
    url = upload_avatar(client, encode_image(halves((2000, 1500)), "JPEG"))["data"]
    assert fetch_image(client, url)[1].size == (512, 384)


def test_avatar_smaller_than_512_keeps_its_size(client, user):
    url = upload_avatar(client, encode_image(halves((120, 90)), "PNG"), filename="a.png")["data"]
    assert fetch_image(client, url)[1].size == (120, 90)


def test_exif_rotated_jpeg_is_stored_upright_without_metadata(client, user):
    url = upload_avatar(client, exif_rotated_jpeg())["data"]
    response, image = fetch_image(client, url)
    assert image.size == (256, 512)
    top, bottom = image.convert("RGB").getpixel((128, 20)), image.convert("RGB").getpixel((128, 490))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    assert not image.getexif()
    assert b"SecretCam" not in response.content


def test_animated_gif_keeps_its_first_frame(client, user):
    url = upload_avatar(client, animated_gif(), filename="a.gif", content_type="image/gif")["data"]
    image = fetch_image(client, url)[1]
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = image.convert("RGB").getpixel((20, 15))
    assert red > 200 and green < 60 and blue < 60


def test_image_is_recognised_by_content_not_by_name(client, user):
    body = upload_avatar(client, encode_image(halves((64, 64)), "PNG"), filename="notes.txt",
                         content_type="text/plain")
    assert body["errcode"] == "0", body


@pytest.mark.parametrize("content, filename, content_type", [
    (encode_image(halves((400, 300)), "JPEG")[:1500], "cut.jpg", "image/jpeg"),
    (encode_image(halves((400, 300)), "PNG")[:400], "cut.png", "image/png"),
    (b"just some text, not a picture\n" * 20, "fake.png", "image/png"),
    (b"", "empty.jpg", "image/jpeg"),
    (encode_image(halves((64, 64)), "BMP"), "a.bmp", "image/bmp"),
    (encode_image(halves((64, 64)), "TIFF"), "a.tiff", "image/tiff"),
], ids=["truncated-jpeg", "truncated-png", "text-named-png", "empty", "bmp", "tiff"])
def test_bad_files_are_refused_and_nothing_is_saved(client, db_conn, user, content, filename, content_type):
    body = upload_avatar(client, content, filename=filename, content_type=content_type)
    assert body["errcode"] == "4103", body
    assert body["errmsg"]
    assert profile(client)["avatar"] is None
    assert avatar_key(db_conn, user["user_id"]) is None


@pytest.mark.parametrize("side", [7000, 50_000], ids=["warning-size", "error-size"])
def test_decompression_bomb_is_refused(client, user, side):
    body = upload_avatar(client, png_claiming_size(side, side), filename="bomb.png")
    assert body["errcode"] == "4103" and "像素" in body["errmsg"], body
    assert profile(client)["avatar"] is None


def test_missing_file_field(client, user):
    body = upload_avatar(client, encode_image(halves((8, 8)), "JPEG"), field="photo")
    assert body["errcode"] == "4103" and "avatar" in body["errmsg"], body


def test_json_body_is_not_an_upload(client, user):
    assert client.api("POST", "/api/profile/avatar", json={"avatar": "abc"})["errcode"] == "4103"


def test_file_over_the_size_limit_is_refused(client, user):
    jpeg = encode_image(halves((64, 64)), "JPEG")
    body = upload_avatar(client, jpeg + b"\0" * (MAX_IMAGE_BYTES + 1 - len(jpeg)))
    assert body["errcode"] == "4103" and "10 MB" in body["errmsg"], body
    assert profile(client)["avatar"] is None


def test_declared_oversized_body_is_refused_before_it_is_read(server, client, user):
    status, body = raw_upload(server.url, client, {"Content-Length": str(1024 ** 3)})
    assert status == 413
    assert body["errcode"] == "4103"


def test_a_content_length_of_other_digits_is_a_bad_request(server, client, user):
    status, body = raw_upload(server.url, client, {"Content-Length": "\u00b2"})  # ², a digit to str.isdigit
    assert (status, body["errcode"]) == (400, "4103")


def test_chunked_body_running_over_the_limit_is_refused(server, client, user):
    chunk = b"\0" * 65536
    full_chunks = [b"10000\r\n" + chunk + b"\r\n"] * (UPLOAD_BODY_LIMIT // len(chunk))
    # one byte over the limit, and nothing after it: the server has read all that was sent
    status, body = raw_upload(server.url, client, {"Transfer-Encoding": "chunked"},
                              [*full_chunks, b"1\r\nx"])
    assert status == 413
    assert body["errcode"] == "4103"
    assert profile(client)["avatar"] is None


@pytest.mark.parametrize("token, status, errcode", [(None, 200, "0"), ("wrong", 403, "4101"), ("", 403, "4101")])
def test_an_upload_may_carry_the_xsrf_token_as_a_form_field(client, user, token, status, errcode):
    response = client.post("/api/profile/avatar", headers={"X-XSRFToken": ""},
                           data={"_xsrf": client.cookies["_xsrf"] if token is None else token},
                           files={"avatar": ("a.jpg", encode_image(halves((8, 8)), "JPEG"), "image/jpeg")})
    assert (response.status_code, response.json()["errcode"]) == (status, errcode)


def test_new_avatar_replaces_the_old_one(client, db_conn, user):
    first = upload_avatar(client, encode_image(halves((64, 64)), "JPEG"))["data"]
    second = upload_avatar(client, encode_image(halves((64, 64), "green", "yellow"), "JPEG"))["data"]
    assert first != second
    assert profile(client)["avatar"] == second
    old_key = first.split("/media/", 1)[1]
    assert avatar_key(db_conn, user["user_id"]) == second.split("/media/", 1)[1]
    with db_conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM ih_user WHERE avatar = %s", (old_key,))
        assert cur.fetchone()[0] == 0


def test_same_image_twice_is_one_file(client, new_client, redis_client, user):
    jpeg = encode_image(halves((64, 64)), "JPEG")
    first = upload_avatar(client, jpeg)["data"]
    other = new_client()
    register(other, redis_client, OTHER_MOBILE)
    assert upload_avatar(other, jpeg)["data"] == first


def test_failed_storage_write_is_4301_and_keeps_the_old_avatar(client, server, db_conn, user):
    kept = upload_avatar(client, encode_image(halves((64, 64)), "JPEG"))["data"]
    shutil.rmtree(server.media_root)
    server.media_root.write_bytes(b"")  # a file where the media folder should be
    try:
        body = upload_avatar(client, encode_image(halves((64, 64), "green", "yellow"), "JPEG"))
    finally:
        server.media_root.unlink()
    assert body["errcode"] == "4301", body
    assert profile(client)["avatar"] == kept


def test_avatar_change_retires_cached_house_pages(client, redis_client, user):
    before = house_cache_generation(redis_client)
    upload_avatar(client, encode_image(halves((64, 64)), "JPEG"))
    assert house_cache_generation(redis_client) > before


def test_avatar_and_verification_show_in_every_session(client, new_client, user):
    other_browser = login_ok(new_client(), MOBILE)
    url = upload_avatar(client, encode_image(halves((64, 64)), "JPEG"))["data"]
    verify_identity(client)
    for session in (client, other_browser):
        assert profile(session)["avatar"] == url
        assert profile(session)["real_name_verified"] is True
    assert profile(login_ok(new_client(), MOBILE)) == profile(client)  # a new login reads them from the database


# ---- display name ---------------------------------------------------------------------------

def test_rename_shows_at_once_in_every_session(client, new_client, redis_client, user):
    other_browser = login_ok(new_client(), MOBILE)
    assert rename(client, "  小明的家  ")["errcode"] == "0"
    assert profile(client)["name"] == "小明的家"
    for session in (client, other_browser):
        assert session.api("GET", "/api/check_login")["data"] == {"user_id": user["user_id"],
                                                                 "name": "小明的家"}
    assert all(redis_client.ttl(key) > 0 for key in redis_client.keys("sess_*"))


def test_rename_does_not_revive_a_logged_out_session(client, new_client, redis_client, user):
    other_browser = login_ok(new_client(), MOBILE)
    other_browser.api("GET", "/api/logout")
    assert rename(client, "新名字")["errcode"] == "0"
    assert other_browser.api("GET", "/api/check_login")["errcode"] == "4102"
    assert len(redis_client.keys("sess_*")) == 1


def test_rename_form_encoded(client, user):
    assert client.api("POST", "/api/profile/name", data={"name": "表单改名"})["errcode"] == "0"
    assert profile(client)["name"] == "表单改名"


def test_name_of_32_characters(client, user):
    assert rename(client, "名" * 32)["errcode"] == "0"


@pytest.mark.parametrize("name", ["", "   ", "名" * 33, "a\nb", "a\x00b", "tab\there", "a\u200bb",
                                  True, ["list"], None])
def test_invalid_names_are_refused(client, user, name):
    body = rename(client, name)
    assert body["errcode"] == "4103", body
    assert profile(client)["name"] == MOBILE


def test_name_is_unique_whatever_its_case(client, new_client, redis_client, user):
    assert rename(client, "Alice")["errcode"] == "0"
    other = new_client()
    register(other, redis_client, OTHER_MOBILE)
    for taken in ("Alice", "ALICE", " alice "):
        body = rename(other, taken)
        assert body["errcode"] == "4003", body
    assert profile(other)["name"] == OTHER_MOBILE


def test_name_taken_by_a_concurrent_rename(client, new_client, redis_client, user):
    other = new_client()
    register(other, redis_client, OTHER_MOBILE)
    answers = at_once(lambda: rename(client, "抢注名"), lambda: rename(other, "抢注名"))
    assert sorted(body["errcode"] for body in answers) == ["0", "4003"]


def test_name_cannot_be_a_default_name(client, new_client, redis_client, user):
    other = new_client()
    register(other, redis_client, OTHER_MOBILE)
    for looks_like_a_mobile in (OTHER_MOBILE, "13700137000", "１３７００１３７０００"):
        body = rename(client, looks_like_a_mobile)
        assert body["errcode"] == "4103", body


@pytest.mark.parametrize("name", [
    OTHER_MOBILE + "\u0301",               # a combining acute accent: ignored by the collation
    OTHER_MOBILE + " \u0301",              # a trailing space, kept by the trim before the accent
    "\u0661\u0663\u0669\u0660\u0660\u0661\u0663\u0669\u0660\u0660\u0660",  # Arabic-Indic digits
    "\u3021" + OTHER_MOBILE[1:],            # HANGZHOU NUMERAL ONE, equal to 1 for the collation
    OTHER_MOBILE[:5] + "\ufe70" + OTHER_MOBILE[5:],  # ARABIC FATHATAN ISOLATED FORM, ignored
    MOBILE.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # the user's own, shown unmasked
], ids=["combining-accent", "space-then-accent", "arabic-indic", "hangzhou-numeral", "ignorable-letter",
        "own-full-width"])
def test_a_name_the_database_reads_as_a_mobile_is_refused(client, new_client, redis_client, user, name):
    assert rename(client, "老王")["errcode"] == "0"
    body = rename(client, name)
    assert (body["errcode"], body["param"]) == ("4103", "name"), body
    assert profile(client)["name"] == "老王"
    victim = new_client()
    register(victim, redis_client, OTHER_MOBILE)  # its default name is free
    assert profile(victim)["name"] == OTHER_MOBILE


def test_names_are_read_under_the_collation_of_the_name_column(db_conn):
    with db_conn.cursor() as cur:
        cur.execute("SELECT collation_name FROM information_schema.columns WHERE table_schema = DATABASE()"
                    " AND table_name = 'ih_user' AND column_name = 'name'")
        assert cur.fetchone()[0] == NAME_COLLATION


def test_registration_takes_back_a_default_name_held_by_another_user(client, new_client, redis_client,
                                                                      db_conn, user):
    assert rename(client, "老王")["errcode"] == "0"
    before = house_cache_generation(redis_client)
    with db_conn.cursor() as cur:  # a name taken before names were compared as the database does
        cur.execute("UPDATE ih_user SET name = %s WHERE id = %s", (OTHER_MOBILE + "\u0301", user["user_id"]))
    victim = new_client()
    register(victim, redis_client, OTHER_MOBILE)
    assert profile(victim)["name"] == OTHER_MOBILE
    assert profile(client)["name"] == MOBILE  # the holder's session shows their own default name
    assert house_cache_generation(redis_client) > before


def test_own_mobile_is_a_valid_name(client, user):
    assert rename(client, "临时名")["errcode"] == "0"
    assert rename(client, MOBILE)["errcode"] == "0"
    assert profile(client)["name"] == MOBILE


def test_rename_retires_cached_house_pages(client, redis_client, user):
    before = house_cache_generation(redis_client)
    rename(client, "房东老王")
    assert house_cache_generation(redis_client) > before


# ---- real-name verification -----------------------------------------------------------------

def auth(client, real_name="王小明", number=GOOD_ID):
    return client.api("POST", "/api/profile/auth", json={"real_name": real_name, "id_card": number})


def stored_auth(client):
    return client.api("GET", "/api/profile/auth")["data"]


def test_unverified_user_has_no_real_name(client, user):
    assert stored_auth(client) == {"real_name": None, "id_card": None}


def test_verify_once_and_read_it_masked(client, user):
    assert auth(client) == {"errcode": "0", "errmsg": "OK"}
    assert stored_auth(client) == {"real_name": "王小明", "id_card": GOOD_ID[:3] + "*" * 11 + GOOD_ID[-4:]}
    assert profile(client)["real_name_verified"] is True
    again = auth(client, "李四", id_card("11010519850101001"))
    assert again["errcode"] == "4003", again
    assert stored_auth(client)["real_name"] == "王小明"


def test_one_id_number_verifies_one_account(client, new_client, redis_client, user):
    assert auth(client)["errcode"] == "0"
    other = new_client()
    register(other, redis_client, OTHER_MOBILE)
    body = auth(other, "王小明")
    assert body["errcode"] == "4003", body
    assert stored_auth(other) == {"real_name": None, "id_card": None}


def test_lower_case_x_is_read_as_upper_case(client, db_conn, user):
    number = id_card("11010519900307101")
    assert number.endswith("X")
    assert auth(client, number=number.lower())["errcode"] == "0"
    assert stored_auth(client)["id_card"].endswith("X")
    with db_conn.cursor() as cur:
        cur.execute("SELECT id_card FROM ih_user WHERE id = %s", (user["user_id"],))
        assert cur.fetchone()[0] == number


def wrong_check_digit(number):
    return number[:17] + ("0" if number[17] != "0" else "1")


NEXT_YEAR = datetime.date.today().year + 1


@pytest.mark.parametrize("number", [
    wrong_check_digit(GOOD_ID),
    id_card("11010519990230123"),      # 30 February
    id_card("11010519901301123"),      # month 13
    id_card(f"110105{NEXT_YEAR}0101123"),  # born in the future
    id_card("11010518991231123"),      # before 1900
    GOOD_ID[:17],                      # 17 characters
    GOOD_ID + "1",                     # 19 characters
    "11010519900307X123",              # X not last
    "ABCDEFGHIJKLMNOPQR",
    "",
    123456789012345678,
], ids=["check-digit", "feb-30", "month-13", "future", "before-1900", "short", "long", "x-inside",
        "letters", "empty", "json-number"])
def test_invalid_id_numbers_are_refused(client, user, number):
    body = auth(client, number=number)
    assert body["errcode"] == "4103", body
    assert stored_auth(client) == {"real_name": None, "id_card": None}


@pytest.mark.parametrize("real_name", ["王", "王" * 33, "王1", "王 小明", "·王明", "王明·", "王··明",
                                       "Tom_Li", "", None])
def test_invalid_real_names_are_refused(client, user, real_name):
    body = auth(client, real_name=real_name)
    assert body["errcode"] == "4103", body
    assert profile(client)["real_name_verified"] is False


@pytest.mark.parametrize("real_name, stored", [
    ("阿卜杜·热合曼", "阿卜杜·热合曼"), ("阿卜杜・热合曼", "阿卜杜·热合曼"), ("Li", "Li"),
    ("𠮷田", "𠮷田"), (" 王小明 ", "王小明"), ("王" * 32, "王" * 32)])
def test_valid_real_names(client, user, real_name, stored):
    assert auth(client, real_name=real_name)["errcode"] == "0"
    assert stored_auth(client)["real_name"] == stored


def test_concurrent_verifications_of_one_account_let_one_win(client, new_client, user):
    other_browser = login_ok(new_client(), MOBILE)
    numbers = [GOOD_ID, id_card("11010519850101001")]
    answers = at_once(lambda: auth(client, number=numbers[0]),
                      lambda: auth(other_browser, number=numbers[1]))
    errcodes = [body["errcode"] for body in answers]
    assert sorted(errcodes) == ["0", "4003"]
    winner = numbers[errcodes.index("0")]
    assert stored_auth(client)["id_card"].endswith(winner[-4:])


def test_an_id_number_in_the_query_string_is_neither_read_nor_logged(client, server, user):
    response = client.post("/api/profile/auth", params={"real_name": "王小明", "id_card": GOOD_ID})
    assert (response.json()["errcode"], response.json()["param"]) == ("4103", "real_name")
    assert stored_auth(client) == {"real_name": None, "id_card": None}
    assert GOOD_ID[:17] not in server.log_path.read_text()


def test_full_id_number_never_leaves_the_server(client, new_client, redis_client, server, user):
    assert auth(client)["errcode"] == "0"
    other = new_client()
    register(other, redis_client, OTHER_MOBILE)
    answers = [auth(other), auth(other, number=wrong_check_digit(GOOD_ID)),
               client.get("/api/profile/auth"), client.get("/api/profile")]
    for answer in answers:
        text = answer if isinstance(answer, dict) else answer.text
        assert GOOD_ID not in str(text) and GOOD_ID[:17] not in str(text)
    log = server.log_path.read_text()
    assert GOOD_ID[:17] not in log
