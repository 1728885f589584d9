"""Uploaded images in S3-compatible object storage (`--media_backend=s3`), against a real S3
server these tests start themselves: SeaweedFS (tests/stores.py `PrivateS3`), on loopback ports
of its own. Its anonymous clients may read PUBLIC_BUCKET only, as a bucket served to browsers
would be configured; every other bucket needs a signed URL."""
import contextlib
import io
import subprocess
import sys
import urllib.parse

import httpx
import pytest
from PIL import Image

from tests.conftest import ROOT, ApiClient, ServerProcess
from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, detail, encode_image, profile, publish_house, register,
                           upload_avatar, upload_photo, verify_identity)
from tests.stores import PrivateS3

PUBLIC_BUCKET = "ihome-public"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def s3():
    with PrivateS3("media", public_buckets=[PUBLIC_BUCKET]) as store:
        yield store


def s3_site(name, s3, bucket, **env):
    """An iHome server (on the suite's database) keeping its images in `bucket` of `s3`."""
    return ServerProcess(name, IHOME_MEDIA_BACKEND="s3", IHOME_S3_ENDPOINT_URL=s3.url, IHOME_S3_BUCKET=bucket,
                         IHOME_S3_REGION=s3.region, IHOME_MEDIA_BASE_URL=f"{s3.url}/{bucket}/", **env)


@contextlib.contextmanager
def running(site):
    site.start()
    try:
        yield site.wait_ready()
    finally:
        assert site.stop() == 0, f"server did not shut down cleanly; see {site.log_path}"


@pytest.fixture(scope="module")
def site(server, s3):
    """Public URLs: the bucket's own address as --media_base_url. (`server` first: it builds the database.)"""
    with running(s3_site("s3-public", s3, PUBLIC_BUCKET, IHOME_S3_ACCESS_KEY=s3.access_key,
                         IHOME_S3_SECRET_KEY=s3.secret_key)) as proc:
        yield proc


@pytest.fixture
def site_landlord(site, redis_client):
    client = ApiClient(site.url)
    register(client, redis_client, LANDLORD_MOBILE)
    verify_identity(client)
    yield client
    client.close()


def jpeg(color, size=(800, 600)):
    return encode_image(Image.new("RGB", size, color), "JPEG")


def translucent_png():
    return encode_image(Image.new("RGBA", (40, 30), (0, 255, 0, 128)), "PNG")


def served_image(url, content_type="image/jpeg"):
    """GET a stored image as a browser would, with no credentials; it must come with its
    Content-Type and the immutable Cache-Control. The decoded image."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code, response.text)
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"] == IMMUTABLE
    return Image.open(io.BytesIO(response.content))


def object_count(s3, bucket):
    with contextlib.closing(s3.client()) as client:
        return client.list_objects_v2(Bucket=bucket).get("KeyCount", 0)


def stored_keys(db_conn, user_id, house_id):
    """The avatar key of the user and the image keys of the house, as MariaDB holds them."""
    with db_conn.cursor() as cur:
        cur.execute("SELECT avatar FROM ih_user WHERE id = %s", (user_id,))
        avatar = cur.fetchone()[0]
        cur.execute("SELECT image FROM ih_house_image WHERE house_id = %s ORDER BY id", (house_id,))
        images = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT index_image FROM ih_house WHERE id = %s", (house_id,))
        return avatar, images, cur.fetchone()[0]


def test_avatar_and_photo_are_stored_in_the_bucket_and_served_from_it(site, s3, site_landlord):
    base_url = f"{s3.url}/{PUBLIC_BUCKET}/"
    body = upload_avatar(site_landlord, jpeg("red"))
    assert body["errcode"] == "0", body
    avatar_url = body["data"]
    assert avatar_url.startswith(base_url)
    image = served_image(avatar_url)
    assert (image.format, image.size) == ("JPEG", (512, 384))  # re-encoded and scaled, not the upload

    house_id = publish_house(site_landlord)
    body = upload_photo(site_landlord, house_id, translucent_png())
    assert body["errcode"] == "0", body
    photo_url = body["url"]
    assert photo_url.startswith(base_url)
    image = served_image(photo_url, "image/webp")
    assert (image.format, image.size) == ("WEBP", (40, 30))

    house = detail(site_landlord, house_id)["data"]
    assert (house["user_avatar"], house["images"]) == (avatar_url, [photo_url])
    # the thumbnails the pages show are objects beside them
    assert served_image(house["user_avatar_thumb"]).size == (213, 160)
    [photo_thumb] = house["image_thumbs"]
    assert photo_thumb.startswith(base_url) and served_image(photo_thumb, "image/webp").size == (40, 30)
    # Python serves no /media/ for this backend.
    assert site_landlord.get("/media/" + photo_url.removeprefix(base_url)).status_code == 404


def test_the_same_bytes_twice_are_one_object(site, s3, site_landlord, redis_client):
    guest = ApiClient(site.url)
    try:
        register(guest, redis_client, GUEST_MOBILE)
        before = object_count(s3, PUBLIC_BUCKET)
        urls = [upload_avatar(user, jpeg("teal"))["data"] for user in (site_landlord, guest, site_landlord)]
    finally:
        guest.close()
    assert len(set(urls)) == 1
    assert object_count(s3, PUBLIC_BUCKET) == before + 2  # the image and its thumbnail


def test_s3_unreachable_answers_4301_stores_nothing_and_recovers(site, s3, site_landlord, db_conn):
    user_id = profile(site_landlord)["user_id"]
    house_id = publish_house(site_landlord)
    assert upload_avatar(site_landlord, jpeg("navy"))["errcode"] == "0"
    assert upload_photo(site_landlord, house_id, jpeg("olive"))["errcode"] == "0"
    stored = stored_keys(db_conn, user_id, house_id)
    shown = profile(site_landlord)["avatar"], detail(site_landlord, house_id)["data"]["images"]

    s3.kill()
    try:
        avatar_answer = upload_avatar(site_landlord, jpeg("maroon"))
        photo_answer = upload_photo(site_landlord, house_id, jpeg("purple"))
    finally:
        s3.start()
    assert avatar_answer == {"errcode": "4301", "errmsg": "图片保存失败，请稍后重试"}
    assert photo_answer == {"errcode": "4301", "errmsg": "图片保存失败，请稍后重试"}
    assert stored_keys(db_conn, user_id, house_id) == stored
    assert (profile(site_landlord)["avatar"], detail(site_landlord, house_id)["data"]["images"]) == shown

    body = upload_avatar(site_landlord, jpeg("maroon"))  # the same client, S3 back: no restart of ours
    assert body["errcode"] == "0", body
    assert served_image(body["data"]).size == (512, 384)
    assert upload_photo(site_landlord, house_id, jpeg("purple"))["errcode"] == "0"
    assert len(stored_keys(db_conn, user_id, house_id)[1]) == 2


def test_signed_urls_open_a_private_bucket_the_server_created(server, s3, redis_client):
    bucket = "ihome-signed"
    # Keys from the standard AWS variables this time, and a bucket that does not exist yet.
    signed = s3_site("s3-signed", s3, bucket, IHOME_S3_SIGNED_URLS="true", IHOME_S3_SIGNED_URL_EXPIRY="7200",
                     AWS_ACCESS_KEY_ID=s3.access_key, AWS_SECRET_ACCESS_KEY=s3.secret_key)
    with running(signed), contextlib.closing(ApiClient(signed.url)) as client:
        register(client, redis_client, LANDLORD_MOBILE)
        url = upload_avatar(client, jpeg("gold"))["data"]
        assert url.startswith(f"{s3.url}/{bucket}/")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert query["X-Amz-Expires"] == ["7200"] and query["X-Amz-Signature"]
        assert served_image(url).size == (512, 384)
        assert httpx.get(url.split("?")[0], timeout=10).status_code == 403  # unsigned: refused
        assert served_image(profile(client)["avatar"]).size == (512, 384)  # signed anew for each answer
    assert object_count(s3, bucket) == 2  # the avatar and its thumbnail


def test_signed_urls_must_outlive_cached_pages(server, s3):
    """A page cached for an hour holds URLs signed when it was built: a shorter expiry is refused."""
    short = s3_site("s3-short-expiry", s3, "ihome-short", IHOME_S3_SIGNED_URLS="true",
                    IHOME_S3_SIGNED_URL_EXPIRY="3600", IHOME_S3_ACCESS_KEY=s3.access_key,
                    IHOME_S3_SECRET_KEY=s3.secret_key).start()
    try:
        assert short.process.wait(timeout=60) != 0
    finally:
        short.stop()
    assert "--s3_signed_url_expiry must be at least 7200 seconds" in short.log_path.read_text()


def test_a_server_started_while_s3_is_down_makes_the_bucket_once_it_is_up(server, redis_client):
    late = PrivateS3("late")  # not started yet
    bucket = "ihome-late"
    site = s3_site("s3-late", late, bucket, IHOME_S3_ACCESS_KEY=late.access_key,
                   IHOME_S3_SECRET_KEY=late.secret_key)
    with running(site), contextlib.closing(ApiClient(site.url)) as client:
        register(client, redis_client, LANDLORD_MOBILE)
        assert upload_avatar(client, jpeg("pink"))["errcode"] == "4301"
        with late:
            body = upload_avatar(client, jpeg("pink"))
            assert body["errcode"] == "0", body
            assert object_count(late, bucket) == 2


def test_the_script_makes_the_thumbnails_of_images_stored_before_them(site, s3, site_landlord):
    body = upload_avatar(site_landlord, jpeg("coral", size=(320, 320)))
    assert body["errcode"] == "0", body
    thumbnail = profile(site_landlord)["avatar_thumb"]
    key = thumbnail.removeprefix(f"{s3.url}/{PUBLIC_BUCKET}/")
    with contextlib.closing(s3.client()) as client:
        client.delete_object(Bucket=PUBLIC_BUCKET, Key=key)  # as if stored before thumbnails existed
    assert httpx.get(thumbnail, timeout=10).status_code == 404
    result = subprocess.run([sys.executable, "-m", "scripts.make_thumbnails"], cwd=ROOT, env=site.env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert served_image(thumbnail).size == (160, 160)
