"""Decoding one image file for `image_folder`: TF's decoders where they are right, else PIL.

Each file's first bytes are read once when the dataset is made (`inspect`), which sorts it
into one of three decoders, cheap to tell apart from the header alone:

- `TF_RGB`: JPEG (baseline or progressive, 8-bit, gray or YCbCr; its EXIF orientation,
  when not upright, applied with flips and rotations), 24/32-bit BMP and PNG without
  transparency, through `tf.io.decode_image` (the common case, fully parallel);
- `TF_ALPHA`: PNG with an alpha channel or a transparent colour (`tRNS`), decoded with
  its alpha and composited onto the background in TF;
- `PIL`: everything TF decodes wrongly or not at all (GIF, whose transparent index TF
  ignores; palette, 16-bit and compressed BMP; WebP; TIFF; ICO, its largest icon; CMYK,
  12-bit, lossless or arithmetic-coded JPEG; PNG with an EXIF orientation), through PIL
  in a `tf.numpy_function`.
"""

import io

import numpy as np

from keras_gan import checks

TF_RGB, TF_ALPHA, PIL = 0, 1, 2
#: Named backgrounds of transparent pixels.
BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0)}
#: JPEG start-of-frame markers TF's decoder reads (baseline, extended, progressive).
_TF_JPEG_FRAMES = (0xC0, 0xC1, 0xC2)
#: Other start-of-frame markers (lossless, arithmetic coding, ...).
_OTHER_JPEG_FRAMES = (0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)
#: PNG chunks read before the first `IDAT` at most, before assuming transparency.
_PNG_CHUNKS = 64
#: Bytes of an EXIF block read for its orientation.
_EXIF_BYTES = 65536
_ICO = b"\x00\x00\x01\x00"
SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)


def check_background(background):
    """Returns `background` ("white", "black" or `(R, G, B)` in 0..255) as 3 ints."""
    if isinstance(background, str) and background in BACKGROUNDS:
        return BACKGROUNDS[background]
    try:
        values = tuple(background)
    except TypeError:
        values = ()
    if len(values) == 3 and all(checks.is_int_at_least(v, 0) and v <= 255 for v in values):
        return tuple(int(v) for v in values)
    raise ValueError(
        "Expected `background` to be 'white', 'black' or an (R, G, B) tuple of ints in "
        f"0..255, the colour transparent pixels are composited onto. "
        f"Received: background={background!r}"
    )


def inspect(file):
    """Returns `(decoder, orientation, pixels)` of an image file, or `None` if it is not one.

    `decoder` is `TF_RGB`, `TF_ALPHA` or `PIL`; `orientation` the EXIF orientation (1 to
    8) `TF_RGB` applies, 1 for the others; `pixels` the width times the height its header
    declares (what decoding it allocates, whatever the file's size), or `None` for a file
    whose header PIL refuses as a decompression bomb.
    """
    try:
        with open(file, "rb") as f:
            head = f.read(32)
            if head.startswith(SIGNATURES[0]):
                return _png(f, head), 1, _product(head[16:20], head[20:24], "big")
            if head.startswith(SIGNATURES[1]):
                decoder, orientation, pixels = _jpeg(f)
                return decoder, orientation, pixels if pixels else _pil_pixels(file)
            if head.startswith(b"BM"):
                return _bmp(head), 1, _product(head[18:22], head[22:26], "little")
            if head.startswith(SIGNATURES[2:] + (_ICO,)) or _is_webp(head):
                return PIL, 1, _pil_pixels(file)
    except OSError:
        pass
    return None


def _product(width, height, order):
    """Width times height, from their header bytes (a BMP's height is negative top-down)."""
    return abs(int.from_bytes(width, order, signed=True)) * abs(
        int.from_bytes(height, order, signed=True)
    )


def _pil_pixels(file):
    """The pixels PIL's header parsing finds (it decodes nothing), `None` past its limit.

    Raises `OSError` for a file PIL cannot read.
    """
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(file) as image:
                width, height = image.size
        except Image.DecompressionBombError:
            return None
        except (SyntaxError, ValueError) as error:  # what PIL raises for odd headers
            raise OSError(str(error)) from error
    return width * height


def too_large(pixels):
    """Whether an image of `pixels` pixels (`None`: refused by PIL) exceeds PIL's limit.

    The limit is PIL's `Image.MAX_IMAGE_PIXELS` (89,478,485 by default; `None` turns it
    off), past which PIL itself warns of a decompression bomb.
    """
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    return pixels is None or (limit is not None and pixels > limit)


def _is_webp(head):
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _png(f, head):
    if head[25:26] in (b"\x04", b"\x06"):  # gray + alpha, RGBA
        return TF_ALPHA
    f.seek(8)
    for _ in range(_PNG_CHUNKS):
        chunk = f.read(8)
        if len(chunk) < 8:
            return PIL
        kind = chunk[4:]
        if kind in (b"IDAT", b"IEND"):
            return TF_RGB
        if kind == b"tRNS":
            return TF_ALPHA
        if kind == b"eXIf":  # an orientation: PIL applies it
            return PIL
        f.seek(int.from_bytes(chunk[:4], "big") + 4, io.SEEK_CUR)
    return TF_ALPHA  # compositing an opaque image changes nothing


def _jpeg(f):
    """`(decoder, orientation, pixels)`; `pixels` is 0 where no frame header was read."""
    f.seek(2)
    orientation = 1
    while True:
        marker = f.read(2)
        while marker[:1] == b"\xff" and marker[1:] == b"\xff":  # fill bytes
            marker = marker[1:] + f.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            return PIL, 1, 0
        code = marker[1]
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            continue
        length = int.from_bytes(f.read(2), "big")
        if code in _TF_JPEG_FRAMES or code in _OTHER_JPEG_FRAMES:
            frame = f.read(6)  # precision, height, width, components
            pixels = _product(frame[3:5], frame[1:3], "big")
            # TF converts CMYK to RGB with errors of up to ~10 levels; PIL within 1.
            if (
                code in _TF_JPEG_FRAMES
                and frame[:1] == b"\x08"
                and frame[5:6] in (b"\x01", b"\x03")
            ):
                return TF_RGB, orientation, pixels
            return PIL, 1, pixels
        if code in (0xD9, 0xDA) or length < 2:
            return PIL, 1, 0
        body = f.read(min(length - 2, _EXIF_BYTES))
        if code == 0xE1 and body.startswith(b"Exif\x00\x00"):
            orientation = _exif_orientation(body[6:])
            if orientation is None:  # IFD0 past what was read: PIL finds it
                return PIL, 1, 0
        f.seek(length - 2 - len(body), io.SEEK_CUR)


def _exif_orientation(tiff):
    """The orientation tag of a TIFF block's first IFD: 1 to 8 (1 when absent or odd)."""
    order = {b"II": "little", b"MM": "big"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return 1
    ifd = int.from_bytes(tiff[4:8], order)
    if ifd + 2 > len(tiff):
        return None
    for i in range(int.from_bytes(tiff[ifd : ifd + 2], order)):
        entry = tiff[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
        if len(entry) < 12:
            return None
        if int.from_bytes(entry[:2], order) == 0x0112:
            value = int.from_bytes(entry[8:10], order)
            return value if 1 <= value <= 8 else 1
    return 1


def _bmp(head):
    header_size = int.from_bytes(head[14:18], "little")
    bits = int.from_bytes(head[28:30], "little")
    compression = int.from_bytes(head[30:34], "little")
    # TF reads 8-bit BMPs as gray (ignoring their palette) and the 4th byte of 32-bit
    # ones as alpha: only uncompressed 24/32-bit BMPs without masks are TF's.
    if header_size >= 40 and bits in (24, 32) and compression == 0:
        return TF_RGB
    return PIL


def decoding(decoders, orientations, background):
    """The TF function `(contents, decoder, orientation) -> RGB uint8 image` of a folder.

    Transparent pixels are composited onto `background` (3 ints); the EXIF orientation
    is applied for `TF_RGB`. Only the decoders the folder's files need are built: a
    folder of one kind of file (plain JPEG and PNG, the common case) gets its decoder
    alone, with no per-file dispatch, and one without rotated photos no orientation step.
    """
    import tensorflow as tf

    used = sorted(set(np.asarray(decoders).tolist()))
    oriented = bool(np.any(np.asarray(orientations) != 1))

    def decode(contents, decoder, orientation):
        def by_tf():
            image = tf.io.decode_image(contents, channels=3, expand_animations=False)
            return _orient(image, orientation) if oriented else image

        def by_tf_alpha():
            rgba = tf.io.decode_image(contents, channels=4, expand_animations=False)
            alpha = tf.cast(rgba[..., 3:], tf.float32) / 255.0
            color = tf.cast(rgba[..., :3], tf.float32)
            blended = color * alpha + tf.constant(background, tf.float32) * (1.0 - alpha)
            return tf.cast(tf.round(blended), tf.uint8)

        def by_pil():
            image = tf.numpy_function(
                lambda data: decode_with_pil(data, background), [contents], tf.uint8, stateful=False
            )
            return tf.ensure_shape(image, (None, None, 3))

        branches = [by_tf, by_tf_alpha, by_pil]
        if len(used) == 1:
            return branches[used[0]]()
        return tf.switch_case(tf.cast(decoder, tf.int32), branches)

    return decode


def _orient(image, orientation):
    """Applies an EXIF orientation (1: upright ... 8), as PIL's `ImageOps.exif_transpose`."""
    import tensorflow as tf

    flip_lr, flip_ud = tf.image.flip_left_right, tf.image.flip_up_down
    transpose = tf.image.transpose
    branches = [
        lambda: image,
        lambda: flip_lr(image),
        lambda: tf.image.rot90(image, 2),
        lambda: flip_ud(image),
        lambda: transpose(image),
        lambda: tf.image.rot90(image, 3),
        lambda: flip_ud(flip_lr(transpose(image))),
        lambda: tf.image.rot90(image, 1),
    ]
    return tf.switch_case(tf.cast(orientation, tf.int32) - 1, branches)


def decode_with_pil(data, background):
    """PIL's RGB uint8 image of a file's bytes: first frame, upright, on `background`."""
    from PIL import Image
    from PIL import ImageOps

    with Image.open(io.BytesIO(bytes(data))) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode.startswith("I;16"):
            image = Image.fromarray((np.asarray(image, np.float32) / 257.0).round().astype("uint8"))
        transparent = image.mode in ("RGBA", "LA", "PA", "La", "RGBa")
        if transparent or "transparency" in image.info:
            rgba = np.asarray(image.convert("RGBA"), np.float32)
            alpha = rgba[..., 3:] / np.float32(255.0)
            blended = rgba[..., :3] * alpha + np.asarray(background, np.float32) * (1 - alpha)
            return np.round(blended).astype("uint8")
        return np.asarray(image.convert("RGB"), "uint8")
