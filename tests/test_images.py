"""The image pipeline through both uploads, the avatar and a house photo: only pixels are stored."""
import pytest
from PIL import Image

from tests.helpers import encode_image, fetch_image, publish_house, upload_avatar, upload_photo

COMMENT = b"<script>alert(document.cookie)</script>"


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
