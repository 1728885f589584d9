"""The one pipeline every uploaded image goes through (avatars, house photos).

The bytes are decoded with Pillow to prove they are a JPEG, PNG, GIF or WebP image, whatever the
file's name or declared type. What is stored is a fresh encoding of the decoded pixels: upright
(EXIF orientation applied), without any metadata (EXIF, GPS, comments, colour profiles), scaled
down to the caller's bound. Opaque images become JPEG; images with transparency become WebP.
An animated GIF or WebP keeps its first frame. All decoding runs in an executor.
"""
import asyncio
import dataclasses
import functools
import io
import struct
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
from utils.errors import RET, ApiError

ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85
WEBP_QUALITY = 85

# Pillow warns between MAX_PIXELS and twice that, and raises above. The warning is made an
# error here, once for the whole process (warnings.catch_warnings is not thread-safe), so that
# every bomb is refused the same way whichever side of the two limits it falls.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

# What Pillow raises while decoding a damaged or truncated file.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


@dataclasses.dataclass(frozen=True)
class PreparedImage:
    content: bytes
    extension: str  # "jpg" or "webp"
    width: int
    height: int


class ImagePipeline:
    """Built once with the executor that decodes and the largest upload it accepts."""

    def __init__(self, executor, max_bytes):
        self.executor = executor
        self.max_bytes = max_bytes

    async def prepare(self, data, *, max_side, param):
        """Decode, check and re-encode `data`; `max_side` bounds both sides (None keeps the size).

        Raises ApiError(PARAMERR) about the field `param` for anything that is not an acceptable
        image."""
        if not data:
            raise ApiError(RET.PARAMERR, "图片文件为空", param=param)
        if len(data) > self.max_bytes:
            raise ApiError(RET.PARAMERR, f"图片不能超过 {self.max_bytes / 1024 / 1024:g} MB", param=param)
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self.executor, functools.partial(_reencode, data, max_side))
        except ApiError as error:
            error.param = param
            raise


def _reencode(data, max_side):
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as source:
            if max_side and source.format == "JPEG":
                source.draft("RGB", (max_side, max_side))  # decode big photos at reduced scale
            source.load()
            image = ImageOps.exif_transpose(source)
    except UnidentifiedImageError:
        raise ApiError(RET.PARAMERR, "文件不是有效的图片，请上传 JPEG、PNG、GIF 或 WebP 图片") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApiError(RET.PARAMERR, f"图片像素过多，不能超过 {MAX_PIXELS // 10_000} 万像素") from None
    except DECODE_ERRORS:
        raise ApiError(RET.PARAMERR, "图片文件已损坏或不完整") from None

    if image.mode.startswith("I"):
        # 16-bit greys: convert() would clip every value above 255 to white
        image = image.point(lambda value: value / 256).convert("L")
    if max_side and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    transparent = _has_visible_transparency(image)
    image = image.convert("RGBA" if transparent else "RGB")
    # convert() copies `info`, and the JPEG encoder writes the comment it finds there (a JPEG's
    # COM segment, a GIF's comment extension): only pixels may leave.
    image.info.clear()
    out = io.BytesIO()
    if transparent:
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedImage(out.getvalue(), "webp" if transparent else "jpg", image.width, image.height)


def _has_visible_transparency(image):
    if not image.has_transparency_data:
        return False
    alpha = image.convert("RGBA").getchannel("A")
    return alpha.getextrema()[0] < 255
