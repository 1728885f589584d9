"""Where uploaded media lives. Handlers and models only know a storage object with `save` and
`url`, and the database only ever holds keys, so an object-storage backend with the same two
methods can replace the local one without touching either.

Keys are content-addressed (`ab/abcdef….jpg`, from the SHA-256 of the bytes): the same image is
stored once, a stored file never changes, so it can be cached forever, and a key can never
point at other content than it did when it was written.
"""
import asyncio
import functools
import hashlib
import logging
import os
import re
import tempfile

from utils.errors import RET, ApiError

log = logging.getLogger("ihome")

EXTENSION_RE = re.compile(r"^[a-z0-9]{1,8}$")


def content_key(content, extension):
    if not EXTENSION_RE.match(extension):
        raise ValueError(f"bad file extension {extension!r}")
    digest = hashlib.sha256(content).hexdigest()
    return f"{digest[:2]}/{digest}.{extension}"


class LocalStorage:
    """Files under `root`, served by the application at `base_url` (e.g. `/media/`)."""

    def __init__(self, root, base_url, executor=None):
        self.root = os.path.abspath(root)
        self.base_url = base_url.rstrip("/") + "/"
        self.executor = executor  # None: the event loop's default thread pool

    async def save(self, content, extension):
        """Store `content` and return its key; ApiError(THIRDERR) when it cannot be written."""
        key = content_key(content, extension)
        try:
            await asyncio.get_running_loop().run_in_executor(
                self.executor, functools.partial(self._write, key, content))
        except OSError as error:
            log.error("media storage: cannot write %s: %s", key, error)
            raise ApiError(RET.THIRDERR, "图片保存失败，请稍后重试") from None
        return key

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
