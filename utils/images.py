"""The one pipeline every uploaded image goes through (avatars, house photos).

The bytes are decoded with Pillow to prove they are a JPEG, PNG, GIF or WebP image, whatever the
file's name or declared type. What is stored is a fresh encoding of the decoded pixels: upright
(EXIF orientation applied), without any metadata (EXIF, GPS, comments, colour profiles), scaled
down to the use's bound. Opaque images become JPEG; images with transparency become WebP.
An animated GIF or WebP keeps its first frame.

Decoding is what costs: memory grows with the pixels decoded, not with the bytes uploaded (a
165 KB PNG can announce 40 million pixels). So each use bounds the pixels it decodes, checked
from the header before anything is decoded; a JPEG is decoded at a reduced scale first (its
decoder can), and only a few images are decoded at once per process, in an executor.
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
MAX_PIXELS = 40_000_000  # announced by a header: beyond this Image.open refuses the file
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
class ImageUse:
    """What one kind of upload is for: its form field, the largest side it is stored with, the
    most pixels decoded to make it (after a JPEG's reduced-scale decoding), and the boxes
    (width, height) of the smaller copies the pages show, each the least that covers its box."""
    field: str
    max_side: int
    max_decoded_pixels: int
    thumbnails: tuple = ()


def thumbnail_name(box):
    """How a thumbnail's box is named in its key and in `Media.url`: "240x180"."""
    return f"{box[0]}x{box[1]}"


@dataclasses.dataclass(frozen=True)
class PreparedImage:
    content: bytes
    extension: str  # "jpg" or "webp"
    width: int
    height: int
    thumbnails: dict = dataclasses.field(default_factory=dict)  # thumbnail_name -> bytes


class ImagePipeline:
    """Built once with the executor that decodes, the largest upload it accepts, and how many
    images it decodes at once (the others wait their turn)."""

    def __init__(self, executor, max_bytes, decoders):
        self.executor = executor
        self.max_bytes = max_bytes
        self.decoding = asyncio.Semaphore(decoders)

    async def prepare(self, data, use):
        """Decode, check and re-encode `data` for `use` (an ImageUse).

        Raises ApiError(PARAMERR) about the field `use.field` for anything that is not an
        acceptable image."""
        if not data:
            raise ApiError(RET.PARAMERR, "图片文件为空", param=use.field)
        if len(data) > self.max_bytes:
            raise ApiError(RET.PARAMERR, f"图片不能超过 {self.max_bytes / 1024 / 1024:g} MB", param=use.field)
        try:
            async with self.decoding:
                return await asyncio.get_running_loop().run_in_executor(
                    self.executor, functools.partial(_reencode, data, use))
        except ApiError as error:
            error.param = use.field
            raise

    async def thumbnails(self, content, use):
        """The thumbnails of `use` for an image this pipeline stored before its use had them:
        {thumbnail_name: bytes}."""
        async with self.decoding:
            return await asyncio.get_running_loop().run_in_executor(
                self.executor, functools.partial(_thumbnails_of_stored, content, use))


def _reencode(data, use):
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as source:
            if source.format == "JPEG":
                # decoded at 1/2, 1/4 or 1/8 scale, still at least as large as what is stored
                source.draft("RGB", _fitted(source.size, use.max_side))
            # Image.open has read the header only: refuse here and nothing has been decoded.
            if source.width * source.height > use.max_decoded_pixels:
                raise ApiError(RET.PARAMERR, f"图片像素过多，不能超过 {use.max_decoded_pixels // 10_000} 万像素，"
                               "请缩小后再上传")
            source.load()
            image = _scaled_upright(source, use.max_side)
    except UnidentifiedImageError:
        raise ApiError(RET.PARAMERR, "文件不是有效的图片，请上传 JPEG、PNG、GIF 或 WebP 图片") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApiError(RET.PARAMERR, f"图片像素过多，不能超过 {MAX_PIXELS // 10_000} 万像素") from None
    except DECODE_ERRORS:
        raise ApiError(RET.PARAMERR, "图片文件已损坏或不完整") from None

    transparent = _has_visible_transparency(image)
    image = image.convert("RGBA" if transparent else "RGB")
    # convert() copies `info`, and the JPEG encoder writes the comment it finds there (a JPEG's
    # COM segment, a GIF's comment extension): only pixels may leave.
    image.info.clear()
    return PreparedImage(_encoded(image, transparent), "webp" if transparent else "jpg", image.width,
                         image.height, _thumbnails(image, use.thumbnails, transparent))


def _thumbnails_of_stored(content, use):
    with Image.open(io.BytesIO(content), formats=("JPEG", "WEBP")) as image:
        image.load()
        transparent = image.mode == "RGBA"
        return _thumbnails(image.convert("RGBA" if transparent else "RGB"), use.thumbnails, transparent)


def _thumbnails(image, boxes, transparent):
    """`image` scaled down to cover each box, encoded as the image itself is."""
    made = {}
    for box in boxes:
        ratio = min(1, max(box[0] / image.width, box[1] / image.height))
        size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
        made[thumbnail_name(box)] = _encoded(image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
                                             if ratio < 1 else image, transparent)
    return made


def _encoded(image, transparent):
    out = io.BytesIO()
    if transparent:
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _fitted(size, max_side):
    """`size` scaled down to fit max_side x max_side (never up): the size stored."""
    ratio = min(1, max_side / max(size))
    return tuple(max(1, round(side * ratio)) for side in size)


def _scaled_upright(source, max_side):
    """The decoded `source` fitted into max_side x max_side, then turned upright.

    Scaling first keeps one full-size copy of the pixels in memory (the box is square, so
    turning afterwards fits it too); thumbnail() shrinks by whole factors (reduce) before
    resampling."""
    image = source
    if image.mode.startswith("I"):
        # 16-bit greys: convert() would clip every value above 255 to white
        image = image.point(lambda value: value / 256).convert("L")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return ImageOps.exif_transpose(image)


def _has_visible_transparency(image):
    if not image.has_transparency_data:
        return False
    alpha = image.convert("RGBA").getchannel("A")
    return alpha.getextrema()[0] < 255
