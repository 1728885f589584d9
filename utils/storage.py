"""Where uploaded media lives: files on this host's disk (`LocalStorage`) or objects in an
S3-compatible bucket (`S3Storage`). Handlers and models only know a storage object with `save`
and `url` (and `start`/`close`, called once by the Application), and the database only ever
holds keys, so either backend serves the same service.

Keys are content-addressed (`ab/abcdef….jpg`, from the SHA-256 of the bytes): the same image is
stored once, a stored file never changes, so it can be cached forever, and a key can never
point at other content than it did when it was written.
"""
import asyncio
import contextlib
import functools
import hashlib
import logging
import mimetypes
import os
import re
import tempfile

import aiobotocore.config
import aiobotocore.session
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import BotoCoreError, ClientError

from utils.errors import RET, ApiError

log = logging.getLogger("ihome")

EXTENSION_RE = re.compile(r"^[a-z0-9]{1,8}$")
MEDIA_CACHE_SECONDS = 365 * 24 * 3600
# A content-addressed file never changes, so clients and CDNs may keep it a year.
MEDIA_CACHE_CONTROL = f"public, max-age={MEDIA_CACHE_SECONDS}, immutable"


def content_key(content, extension):
    if not EXTENSION_RE.match(extension):
        raise ValueError(f"bad file extension {extension!r}")
    digest = hashlib.sha256(content).hexdigest()
    return f"{digest[:2]}/{digest}.{extension}"


def thumbnail_key(key, name):
    """Where the thumbnail `name` of the image stored at `key` is stored: beside it,
    `ab/<sha256>.240x180.jpg`. It is made from that image only, so it never changes either."""
    stem, dot, extension = key.rpartition(".")
    return f"{stem}.{name}{dot}{extension}"


def save_failed(key, error):
    """The answer to a write the storage refused (logged with its cause)."""
    log.error("media storage: cannot write %s: %s", key, error)
    return ApiError(RET.THIRDERR, "图片保存失败，请稍后重试")


class LocalStorage:
    """Files under `root`, served by the application at `base_url` (e.g. `/media/`)."""

    def __init__(self, root, base_url, executor=None):
        self.root = os.path.abspath(root)
        self.base_url = base_url.rstrip("/") + "/"
        self.executor = executor  # None: the event loop's default thread pool

    async def start(self):
        """Nothing to open: the folders are made as files arrive."""

    async def close(self):
        """Nothing to close."""

    async def save(self, content, extension):
        """Store `content` and return its key; ApiError(THIRDERR) when it cannot be written."""
        key = content_key(content, extension)
        await self.put(key, content)
        return key

    async def put(self, key, content):
        """Store `content` at `key` (a thumbnail's); ApiError(THIRDERR) when it cannot be written."""
        try:
            await asyncio.get_running_loop().run_in_executor(
                self.executor, functools.partial(self._write, key, content))
        except OSError as error:
            raise save_failed(key, error) from None

    async def load(self, key):
        """The bytes stored at `key`."""
        with open(os.path.join(self.root, key), "rb") as file:
            return file.read()

    def url(self, key):
        return self.base_url + key

    def _write(self, key, content):
        path = os.path.join(self.root, key)
        if os.path.isfile(path):
            return  # same name, same bytes
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        # Written beside its final name and renamed into place, so that a reader (or a crash)
        # sees the whole file or none of it.
        fd, temp_path = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(content)
                temp.flush()
                os.fsync(temp.fileno())
            os.chmod(temp_path, 0o644)
            os.replace(temp_path, path)
        except BaseException:
            os.unlink(temp_path)
            raise


class S3Storage:
    """Objects in one bucket of an S3-compatible store (AWS S3, SeaweedFS, MinIO, ...), through
    one aiobotocore client made by `start` and closed by `close`.

    An upload is one PutObject with its Content-Type and the immutable Cache-Control, attempted
    at most MAX_ATTEMPTS times (botocore's "standard" retry mode: transient errors only, with
    jittered backoff; about 3 s at worst against a store that refuses connections), then
    answered 4301. URLs are `base_url` + key, the bucket's public address or a CDN's, or, with
    `signed_url_expiry`, that URL presigned (SigV4, valid that many seconds) for a bucket that is
    not public."""

    MAX_ATTEMPTS = 3
    CONNECT_TIMEOUT = 2  # an unreachable store fails an upload in seconds, not the OS's minutes
    READ_TIMEOUT = 20
    MAX_SIGNED_URL_EXPIRY = 7 * 24 * 3600  # SigV4's own limit

    def __init__(self, *, bucket, base_url, endpoint_url=None, region="us-east-1", access_key=None,
                 secret_key=None, signed_url_expiry=None):
        if signed_url_expiry is not None and not 0 < signed_url_expiry <= self.MAX_SIGNED_URL_EXPIRY:
            raise ValueError(f"signed URLs live at most {self.MAX_SIGNED_URL_EXPIRY} seconds")
        if signed_url_expiry is not None and not base_url.startswith(("http://", "https://")):
            raise ValueError("signed URLs are signed for the host they name: the base URL must be absolute")
        self.bucket = bucket
        self.base_url = base_url.rstrip("/") + "/"
        self.endpoint_url = endpoint_url
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.signed_url_expiry = signed_url_expiry
        self.client = None
        self._signer = None
        self._resources = contextlib.AsyncExitStack()

    async def start(self):
        """Make the client and the bucket if it is missing. A store that cannot be reached now
        is logged, not fatal: pages are still served, and uploads fail (4301) until it answers."""
        session = aiobotocore.session.get_session()
        if self.access_key:
            session.set_credentials(self.access_key, self.secret_key)
        # Custom endpoints (SeaweedFS, MinIO) mostly know only path-style addressing.
        addressing = {"addressing_style": "path"} if self.endpoint_url else {}
        config = aiobotocore.config.AioConfig(
            region_name=self.region, signature_version="s3v4", s3=addressing,
            connect_timeout=self.CONNECT_TIMEOUT, read_timeout=self.READ_TIMEOUT,
            retries={"max_attempts": self.MAX_ATTEMPTS - 1, "mode": "standard"},  # retries, after the first
            warm_up_loader_caches=True)  # the service model's JSON is read in a thread
        self.client = await self._resources.enter_async_context(
            session.create_client("s3", endpoint_url=self.endpoint_url, config=config))
        if self.signed_url_expiry is not None:
            self._signer = await self._url_signer(session)
        try:
            await self._create_bucket_if_missing()
        except (BotoCoreError, ClientError) as error:
            log.error("media storage: cannot check bucket %s: %s", self.bucket, error)

    async def close(self):
        await self._resources.aclose()

    async def save(self, content, extension):
        """Store `content` and return its key; ApiError(THIRDERR) when it cannot be written."""
        key = content_key(content, extension)
        await self.put(key, content)
        return key

    async def put(self, key, content):
        """Store `content` at `key` (a thumbnail's); ApiError(THIRDERR) when it cannot be written."""
        try:
            try:
                await self._put(key, content)
            except ClientError as error:
                if error.response["Error"]["Code"] != "NoSuchBucket":
                    raise
                # Not made at start because the store was down then, or removed since.
                await self._create_bucket_if_missing()
                await self._put(key, content)
        except (BotoCoreError, ClientError) as error:
            raise save_failed(key, error) from None

    async def load(self, key):
        """The bytes stored at `key`."""
        answer = await self.client.get_object(Bucket=self.bucket, Key=key)
        async with answer["Body"] as body:
            return await body.read()

    def url(self, key):
        if not self._signer:
            return self.base_url + key
        request = botocore.awsrequest.AWSRequest(method="GET", url=self.base_url + key)
        self._signer.add_auth(request)
        return request.prepare().url

    async def _put(self, key, content):
        await self.client.put_object(
            Bucket=self.bucket, Key=key, Body=content, CacheControl=MEDIA_CACHE_CONTROL,
            ContentType=mimetypes.guess_type(key)[0] or "application/octet-stream")

    async def _url_signer(self, session):
        """Signs URLs without I/O, so that `url` stays a plain function. A URL is good only as
        long as the keys that signed it, so temporary credentials (STS, instance roles), which
        expire sooner and would need refreshing, are refused."""
        credentials = await session.get_credentials()
        frozen = credentials and await credentials.get_frozen_credentials()
        if not frozen or frozen.token:
            raise ValueError("signed media URLs need a long-lived S3 access key and secret key")
        return botocore.auth.S3SigV4QueryAuth(
            botocore.credentials.Credentials(frozen.access_key, frozen.secret_key), "s3", self.region,
            expires=self.signed_url_expiry)

    async def _create_bucket_if_missing(self):
        try:
            await self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
                raise
        location = {} if self.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": self.region}}
        try:
            await self.client.create_bucket(Bucket=self.bucket, **location)
            log.info("media storage: created bucket %s", self.bucket)
        except self.client.exceptions.BucketAlreadyOwnedByYou:
            pass  # several processes found it missing at once, and another one was quicker
