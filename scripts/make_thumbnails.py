"""Make the thumbnails of the images stored before the pages showed thumbnails.

    python -m scripts.make_thumbnails [--mysql_url=...] [--media_backend=...]

Uploads make their thumbnails themselves (models/media.py); this is for the images already
stored when that began. It reads the server's own options (the database, and the media folder
or S3 bucket), and makes every thumbnail of every house photo and avatar the database names. It
can be run again at any time: a thumbnail is made from its image alone, so the same one is
stored again. Until it has run, the frontend shows such an image itself where its thumbnail is
missing.
"""
import asyncio
import logging

import aiomysql
from botocore.exceptions import BotoCoreError, ClientError
from tornado.options import options, parse_command_line

import config
from models.db import CONNECT_OPTIONS, parse_mysql_url
from models.house import PHOTO
from models.media import Media
from models.user import AVATAR
from utils.errors import ApiError

log = logging.getLogger("ihome.thumbnails")

KEYS = {PHOTO: "SELECT DISTINCT image FROM ih_house_image",
        AVATAR: "SELECT DISTINCT avatar FROM ih_user WHERE avatar IS NOT NULL"}


async def make_all():
    conn = await aiomysql.connect(**parse_mysql_url(options.mysql_url), **CONNECT_OPTIONS)
    try:
        async with conn.cursor() as cur:
            uses = {}
            for use, query in KEYS.items():
                await cur.execute(query)
                uses[use] = [row[0] for row in await cur.fetchall()]
    finally:
        conn.close()
    storage = config.media_storage()
    await storage.start()
    media = Media(None, storage, None, max_image_bytes=options.max_image_bytes, image_decoders=1,
                  uploads_per_hour=0)
    made = failed = 0
    try:
        for use, keys in uses.items():
            for key in keys:
                try:
                    await media.add_thumbnails(key, use)
                    made += 1
                except (OSError, ValueError, ApiError, BotoCoreError, ClientError) as error:
                    # one missing or unreadable image does not stop the others
                    log.error("%s: %s", key, error)
                    failed += 1
    finally:
        await storage.close()
    log.info("thumbnails made for %d images, %d failed", made, failed)
    return failed


def main():
    parse_command_line()
    raise SystemExit(1 if asyncio.run(make_all()) else 0)


if __name__ == "__main__":
    main()
