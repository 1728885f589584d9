"""The image captcha: four characters that are hard to confuse, drawn by the `captcha` package."""
import secrets

from captcha.image import ImageCaptcha

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: people misread them, and case does not count.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 4
_drawer = ImageCaptcha(width=120, height=48)


def random_text():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def render_png(text):
    """PNG bytes of `text`. CPU-bound (about 10 ms): call it through an executor."""
    return _drawer.generate(text, format="png").getvalue()
