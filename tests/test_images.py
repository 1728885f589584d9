"""The image pipeline through both uploads, the avatar and a house photo: only pixels are
stored, each use decodes a bounded number of pixels, and a user's uploads per hour are limited."""
import pytest
from PIL import Image

from tests.conftest import ServerProcess
from tests.helpers import (encode_image, fetch_image, image_bytes, png_claiming_size,
                           publish_house, register, upload_avatar, upload_photo)

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
