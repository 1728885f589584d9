"""The image pipeline through both uploads, the avatar and a house photo: only pixels are
stored, each use decodes a bounded number of pixels, and a user's uploads per hour are limited."""
import subprocess
import sys

import pytest
from PIL import Image

from tests.conftest import ROOT, ServerProcess
from tests.helpers import (book_ok, day, detail, encode_image, fetch_image, image_bytes, my_orders,
                           png_claiming_size, profile, publish_house, register, search, upload_avatar,
                           upload_photo)

COMMENT = b"<script>alert(document.cookie)</script>"
FIELDS = {"avatar": "avatar", "photo": "house_image"}


@pytest.fixture
def house_id(landlord):
    return publish_house(landlord)


def upload(client, kind, house_id, content):
    """Upload `content` as the client's avatar or as a photo of `house_id`; the answer, with the
    stored image's URL as `url` either way."""
    if kind == "avatar":
        body = upload_avatar(client, content, filename="image", content_type="application/octet-stream")
        return {**body, "url": body.get("data")}
    return upload_photo(client, house_id, content)


def uploaded_url(client, kind, house_id, content):
    body = upload(client, kind, house_id, content)
    assert body["errcode"] == "0", body
    return body["url"]


# ---- metadata -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["avatar", "photo"])
@pytest.mark.parametrize("image_format", ["JPEG", "GIF"])
def test_a_comment_in_the_upload_is_not_stored(landlord, house_id, kind, image_format):
    content = encode_image(Image.new("RGB", (64, 48), "red"), image_format, comment=COMMENT)
    assert COMMENT in content
    response, image = fetch_image(landlord, uploaded_url(landlord, kind, house_id, content))
    assert COMMENT not in response.content
    assert "comment" not in image.info


# ---- decoded pixels -------------------------------------------------------------------------

@pytest.mark.parametrize("kind, side", [("avatar", 2049), ("photo", 4097)])
def test_more_pixels_than_the_use_decodes_are_refused_from_the_header(landlord, house_id, kind, side):
    """The PNG's data is 8x8 pixels: had it been decoded, the answer would call it damaged."""
    body = upload(landlord, kind, house_id, png_claiming_size(side, side))
    assert (body["errcode"], body["param"]) == ("4103", FIELDS[kind]), body
    assert "像素" in body["errmsg"], body


@pytest.mark.parametrize("kind, side", [("avatar", 2048), ("photo", 4096)])
def test_an_image_as_large_as_the_use_decodes_is_accepted(landlord, house_id, kind, side):
    url = uploaded_url(landlord, kind, house_id, image_bytes(size=(side, side)))
    assert max(fetch_image(landlord, url)[1].size) == (512 if kind == "avatar" else 1600)


def test_a_camera_jpeg_is_decoded_at_reduced_scale_and_accepted(landlord, house_id):
    """4032 x 3024 is three times the avatar's decoded pixels, but a JPEG decodes at 1/4 scale."""
    url = uploaded_url(landlord, "avatar", house_id, image_bytes(size=(4032, 3024), image_format="JPEG"))
    assert fetch_image(landlord, url)[1].size == (512, 384)


# ---- uploads per hour -----------------------------------------------------------------------

def test_uploads_per_hour_are_counted_per_user_across_avatar_and_photos(landlord, new_client, redis_client):
    limited = ServerProcess("upload-quota", IHOME_UPLOADS_PER_HOUR="3").start()
    try:
        limited.wait_ready()
        owner, other = new_client(limited.url), new_client(limited.url)
        owner.cookies.update(landlord.cookies)  # the same user, on the limited server
        house_id = publish_house(owner)
        assert upload_avatar(owner, image_bytes())["errcode"] == "0"
        assert upload_photo(owner, house_id)["errcode"] == "0"
        assert upload_photo(owner, house_id, b"not an image")["errcode"] == "4103"  # decoded, so counted
        for refused in (owner.request("POST", "/api/house/image", data={"house_id": str(house_id)},
                                      files={"house_image": ("a.png", image_bytes(), "image/png")}),
                        owner.request("POST", "/api/profile/avatar",
                                      files={"avatar": ("a.png", image_bytes(), "image/png")})):
            assert refused.json()["errcode"] == "4201", refused.json()
            assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        register(other, redis_client, "13700000003")
        assert upload_avatar(other, image_bytes())["errcode"] == "0"
    finally:
        assert limited.stop() == 0


# ---- thumbnails -----------------------------------------------------------------------------

def image_size(client, url):
    return fetch_image(client, url)[1].size


def test_the_lists_carry_thumbnails_in_the_sizes_their_pages_show(landlord, guest, house_id):
    assert upload_avatar(landlord, image_bytes(size=(300, 200), image_format="JPEG"))["errcode"] == "0"
    photo = uploaded_url(landlord, "photo", house_id, image_bytes(size=(1600, 1000), image_format="JPEG"))
    order_id = book_ok(guest, house_id, day(2), day(3))

    # each the least that covers its box: 240x180 for list rows, 800x500 for cards, 160x160 avatars
    house = detail(guest, house_id)["data"]
    assert house["images"] == [photo] and image_size(guest, photo) == (1600, 1000)
    assert [image_size(guest, url) for url in house["image_thumbs"]] == [(288, 180)]
    assert image_size(guest, house["user_avatar_thumb"]) == (240, 160)
    [card] = search(guest)["data"]
    assert image_size(guest, card["image_thumb"]) == (800, 500) and card["image_url"] == photo
    assert image_size(guest, card["avatar_thumb"]) == (240, 160)
    [slide] = guest.api("GET", "/api/house/index")["houses"]
    assert slide["img_thumb"] == card["image_thumb"] and slide["img_url"] == photo
    [row] = landlord.api("GET", "/api/house/my")["houses"]
    assert row["img_thumb"] == house["image_thumbs"][0]
    for client, role in ((guest, "custom"), (landlord, "landlord")):
        [order] = my_orders(client, role)
        assert order["order_id"] == order_id
        assert (order["img_url"], order["img_thumb"]) == (photo, house["image_thumbs"][0])
    assert image_size(landlord, profile(landlord)["avatar_thumb"]) == (240, 160)


def test_a_small_image_is_its_own_thumbnail_never_enlarged(landlord, house_id):
    uploaded_url(landlord, "photo", house_id, image_bytes(size=(64, 48), image_format="JPEG"))
    house = detail(landlord, house_id)["data"]
    assert image_size(landlord, house["image_thumbs"][0]) == (64, 48)
    assert profile(landlord)["avatar_thumb"] is None  # no avatar, no thumbnail


def test_thumbnails_of_images_stored_before_them_are_made_by_the_script(server, landlord, house_id):
    photo = uploaded_url(landlord, "photo", house_id, image_bytes(size=(1000, 800), image_format="JPEG"))
    avatar = upload_avatar(landlord, image_bytes(size=(400, 400), image_format="JPEG"))["data"]
    thumbnails = [detail(landlord, house_id)["data"]["image_thumbs"][0], profile(landlord)["avatar_thumb"]]
    files = [server.media_root / url.split("/media/", 1)[1] for url in thumbnails]
    made = [file.read_bytes() for file in files]
    for file in files:
        file.unlink()  # as if stored before thumbnails existed
    assert [landlord.get(url).status_code for url in thumbnails] == [404, 404]
    result = subprocess.run([sys.executable, "-m", "scripts.make_thumbnails"], cwd=ROOT, env=server.env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "thumbnails made for 2 images, 0 failed" in result.stderr
    assert [file.read_bytes() for file in files] == made
    assert image_size(landlord, photo) == (1000, 800) and image_size(landlord, avatar) == (400, 400)
