"""keras_gan.datasets.image_folder: a folder of images streamed through tf.data."""

import os
import warnings
import zlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from PIL import ImageOps

import keras_gan
from keras_gan import architectures
from keras_gan import datasets
from keras_gan.datasets.image_folder import find_damaged
from keras_gan.datasets.image_folder import list_images

#: Largest difference allowed between the pipeline and PIL's decoding and resizing, in
#: [-1, 1] units (4 of 255 levels): TF's and PIL's JPEG decoders and antialiased
#: bilinear filters round differently; a wrong channel order, orientation, resize
#: filter or gray conversion is off by far more on the patterns below.
PIL_ATOL = 4 / 127.5


def pattern(size, seed=0):
    """An RGB uint8 array `(height, width, 3)` with structure in each channel.

    Red grows left to right, green top to bottom, blue is a seeded smooth field: every
    channel differs, and no flip, rotation or channel swap leaves the image unchanged.
    """
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype("float32")
    red = 255 * x / max(width - 1, 1)
    green = 255 * y / max(height - 1, 1)
    coarse = np.random.default_rng(seed).uniform(0, 255, (3, 3)).astype("float32")
    blue = np.asarray(Image.fromarray(coarse, "F").resize((width, height), Image.BILINEAR))
    return np.round(np.stack([red, green, blue], -1)).clip(0, 255).astype("uint8")


def write_image(path, size=(6, 5), seed=0, format=None, mode="RGB", **save_kwargs):
    """Writes `pattern(size, seed)` (converted to `mode`) at `path`; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pattern(size, seed)).convert(mode).save(path, format=format, **save_kwargs)
    return path


def write_uniform(path, value, size=(6, 5)):
    """Writes an RGB PNG of one value (0..255): tells images apart by their value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size[::-1] + (3,), value, dtype="uint8")).save(path)
    return path


def reference(path, size, color_mode="rgb"):
    """PIL's reading of `path` (upright, RGB or L) resized to `size`, in [-1, 1]."""
    height, width = (size, size) if isinstance(size, int) else size
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
    if color_mode == "grayscale":
        image = image.convert("L")
    array = np.asarray(image.resize((width, height), Image.BILINEAR), "float32")
    return (array.reshape(height, width, -1) / 127.5 - 1.0).astype("float32")


def batches(dataset):
    return list(dataset.as_numpy_iterator())


def images_of(dataset):
    found = batches(dataset)
    return np.concatenate([b[0] if isinstance(b, tuple) else b for b in found])


def test_flat_folder_of_mixed_formats_and_sizes(tmp_path):
    files = {
        "a.png": (6, 5),
        "b.jpg": (40, 30),
        "c.bmp": (8, 8),
        "d.gif": (3, 9),
        "e.JPEG": (17, 4),
    }
    for i, (name, size) in enumerate(files.items()):
        write_image(tmp_path / name, size, seed=i, format="JPEG" if "jp" in name.lower() else None)
    (tmp_path / "notes.txt").write_text("not an image, not read")
    dataset = datasets.image_folder(tmp_path, 8, batch_size=2, shuffle=False)
    assert dataset.element_spec.shape.as_list() == [None, 8, 8, 3]
    found = batches(dataset)
    assert [len(b) for b in found] == [2, 2, 1]
    images = np.concatenate(found)
    assert images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    order, _ = list_images(tmp_path)
    for image, path in zip(images, order):
        np.testing.assert_allclose(image, reference(path, 8), atol=PIL_ATOL, err_msg=path)


def test_class_subfolders_give_labels_and_grayscale(tmp_path):
    for i in range(3):
        write_image(tmp_path / "cats" / f"{i}.png", (9, 7), seed=i)
        write_image(tmp_path / "dogs" / "deeper" / f"{i}.jpg", (12, 5), seed=10 + i)
    dataset = datasets.image_folder(
        tmp_path, (4, 6), batch_size=4, color_mode="grayscale", shuffle=False
    )
    images, labels = map(np.concatenate, zip(*batches(dataset)))
    assert images.shape == (6, 4, 6, 1) and labels.dtype == np.int32
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1]
    order, expected_labels = list_images(tmp_path)
    assert labels.tolist() == expected_labels.tolist()
    for image, label, path in zip(images, labels, order):
        assert os.path.basename(os.path.dirname(path)) in (("cats",), ("dogs", "deeper"))[label]
        expected = reference(path, (4, 6), "grayscale")
        np.testing.assert_allclose(image, expected, atol=PIL_ATOL, err_msg=path)
    unlabelled = datasets.image_folder(tmp_path, 4, color_mode="grayscale", labels=None)
    assert unlabelled.element_spec.shape.as_list() == [None, 4, 4, 1]


def test_images_beside_class_subfolders_are_not_read_and_a_warning_counts_them(tmp_path):
    for i in range(2):
        write_image(tmp_path / "cats" / f"{i}.png")
    write_image(tmp_path / "loose0.png")
    write_image(tmp_path / "loose1.jpg", format="JPEG")
    match = r"has class subfolders, so the 2 images directly in it \(such as 'loose0.png'\)"
    with pytest.warns(UserWarning, match=match + r" are not read\. Move them into a subfolder"):
        dataset = datasets.image_folder(tmp_path, 4)
    assert len(images_of(dataset)) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        datasets.image_folder(tmp_path / "cats", 4)  # a flat folder: no warning


def rgba_pattern(size=(6, 4)):
    """`pattern` with an alpha channel: opaque, transparent and half-transparent columns."""
    rgb = pattern(size, seed=5)
    alpha = np.tile(np.array([255, 0, 128, 0, 255, 64], "uint8")[: size[0]], (size[1], 1))
    return np.dstack([rgb, alpha])


def composite(rgba, background):
    """Independent reference: RGBA uint8 over an RGB background, rounded."""
    alpha = rgba[..., 3:].astype("float64") / 255
    blended = rgba[..., :3] * alpha + np.asarray(background, "float64") * (1 - alpha)
    return np.round(blended).astype("uint8")


def transparent_files(folder):
    """Writes one file per kind of transparency; returns `{name: RGBA array it shows}`."""
    folder.mkdir(parents=True, exist_ok=True)
    rgba = rgba_pattern()
    shown = {}
    Image.fromarray(rgba, "RGBA").save(folder / "rgba.png")
    shown["rgba.png"] = rgba
    gray_alpha = np.dstack([rgba[..., 0], rgba[..., 3]])
    Image.fromarray(gray_alpha, "LA").save(folder / "gray_alpha.png")
    shown["gray_alpha.png"] = np.dstack([np.repeat(rgba[..., :1], 3, -1), rgba[..., 3]])
    # A palette image whose index 0 is transparent: the hidden colour is green.
    indices = ((rgba[..., 3] > 0) * (1 + (rgba[..., 0] > 128))).astype("uint8")
    palette = [0, 255, 0, 200, 30, 40, 10, 20, 250] + [0] * (3 * 253)
    for name, save_kwargs in [("palette.png", {}), ("palette.gif", {})]:
        image = Image.fromarray(indices, "P")
        image.putpalette(palette)
        image.save(folder / name, transparency=0, **save_kwargs)
        colors = np.asarray(palette[:9], "uint8").reshape(3, 3)[indices]
        shown[name] = np.dstack([colors, np.where(indices == 0, 0, 255).astype("uint8")])
    # An RGB PNG with a transparent colour (tRNS): pure blue is see-through.
    rgb = rgba[..., :3].copy()
    rgb[rgba[..., 3] == 0] = (0, 0, 255)
    Image.fromarray(rgb).save(folder / "color_key.png", transparency=(0, 0, 255))
    shown["color_key.png"] = np.dstack([rgb, np.where(rgba[..., 3] == 0, 0, 255)]).astype("uint8")
    Image.fromarray(rgba, "RGBA").save(folder / "rgba.webp", lossless=True)
    shown["rgba.webp"] = rgba
    Image.fromarray(rgba, "RGBA").save(folder / "rgba.tiff")
    shown["rgba.tiff"] = rgba
    Image.fromarray(rgba, "RGBA").save(folder / "icon.ico", sizes=[rgba.shape[1::-1]])
    shown["icon.ico"] = rgba
    return shown


@pytest.mark.parametrize("background", [None, "white", "black", (0, 128, 255)])
def test_transparent_pixels_are_composited_onto_the_background(tmp_path, background):
    shown = transparent_files(tmp_path / "icons")
    kwargs = {} if background is None else {"background": background}
    colour = {None: (255, 255, 255), "white": (255, 255, 255), "black": (0, 0, 0)}.get(
        background, background
    )
    height, width = rgba_pattern().shape[:2]
    data = datasets.image_folder(tmp_path / "icons", (height, width), shuffle=False, **kwargs)
    from_directory, _ = datasets.from_directory(tmp_path / "icons", (height, width), **kwargs)
    cached = datasets.image_folder(
        tmp_path / "icons", (height, width), shuffle=False, cache=tmp_path / "c", **kwargs
    )
    order, _ = list_images(tmp_path / "icons")
    for got in (images_of(data), from_directory, images_of(cached), images_of(cached)):
        for image, path in zip(got, order):
            expected = composite(shown[os.path.basename(path)], colour) / 127.5 - 1.0
            np.testing.assert_allclose(image, expected, atol=1e-6, err_msg=path)


def test_transparency_then_grayscale(tmp_path):
    shown = transparent_files(tmp_path / "icons")
    data = datasets.image_folder(
        tmp_path / "icons", (4, 6), color_mode="grayscale", background="black", shuffle=False
    )
    order, _ = list_images(tmp_path / "icons")
    for image, path in zip(images_of(data), order):
        rgb = composite(shown[os.path.basename(path)], (0, 0, 0))
        expected = np.asarray(Image.fromarray(rgb).convert("L"), "float32")[..., None]
        np.testing.assert_allclose(image, expected / 127.5 - 1.0, atol=1.5 / 127.5)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_the_exif_orientation_is_applied(tmp_path, orientation, format):
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "keras_gan test"  # another tag before it in IFD0
    path = write_image(tmp_path / f"photo.{format.lower()}", (20, 12), format=format, exif=exif)
    with Image.open(path) as image:
        assert image.getexif()[0x0112] == orientation
        upright = ImageOps.exif_transpose(image)
        height, width = upright.height, upright.width
    assert (height, width) == ((12, 20) if orientation < 5 else (20, 12))
    (image,) = images_of(datasets.image_folder(tmp_path, (height, width)))
    np.testing.assert_allclose(image, reference(path, (height, width)), atol=PIL_ATOL)


def write_kinds(folder):
    """Files TF's decoder reads wrongly or not at all; returns `{name: expected RGB}`."""
    folder.mkdir(parents=True, exist_ok=True)
    rgb = pattern((7, 5), seed=3)
    expected = {}
    sixteen = (rgb[..., 0].astype("uint16") * 257 + 100).astype("uint16")
    Image.fromarray(sixteen).save(folder / "sixteen_bit.png")
    expected["sixteen_bit.png"] = np.repeat(np.round(sixteen / 257)[..., None], 3, -1)
    Image.fromarray(rgb).convert("CMYK").save(folder / "cmyk.jpg", quality=100)
    with Image.open(folder / "cmyk.jpg") as image:
        expected["cmyk.jpg"] = np.asarray(image.convert("RGB"))
    for name, mode in [("palette.bmp", "P"), ("one_bit.bmp", "1"), ("gray.bmp", "L")]:
        Image.fromarray(rgb).convert(mode).save(folder / name)
        with Image.open(folder / name) as image:
            expected[name] = np.asarray(image.convert("RGB"))
    Image.fromarray(rgb).save(folder / "lossless.webp", lossless=True)
    expected["lossless.webp"] = rgb
    Image.fromarray(rgb).save(folder / "photo.tif")
    expected["photo.tif"] = rgb
    Image.fromarray(rgb).save(folder / "ünïcødé 名前.png")
    expected["ünïcødé 名前.png"] = rgb
    os.symlink(folder / "photo.tif", folder / "link.png")  # named .png, a TIFF inside
    expected["link.png"] = rgb
    frames = [Image.fromarray(rgb).convert("P"), Image.fromarray(255 - rgb).convert("P")]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:])
    expected["animated.gif"] = np.asarray(frames[0].convert("RGB"))
    return expected


def test_files_tf_cannot_decode_are_read_through_pil(tmp_path):
    expected = write_kinds(tmp_path / "kinds")
    dataset = datasets.image_folder(tmp_path / "kinds", (5, 7), shuffle=False)
    order, _ = list_images(tmp_path / "kinds")
    assert sorted(os.path.basename(p) for p in order) == sorted(expected)
    for image, path in zip(images_of(dataset), order):
        want = expected[os.path.basename(path)] / 127.5 - 1.0
        np.testing.assert_allclose(image, want, atol=1.5 / 127.5, err_msg=path)


def test_order_is_seeded_and_reshuffled_each_epoch(tmp_path):
    for i in range(12):
        write_uniform(tmp_path / f"{i:02d}.png", 20 * i, size=(2, 2))

    def order(dataset):
        return [int(round((x[0, 0, 0, 0] + 1) * 127.5 / 20)) for x in dataset.as_numpy_iterator()]

    dataset = datasets.image_folder(tmp_path, 2, batch_size=1, seed=3)
    first, second = order(dataset), order(dataset)
    assert sorted(first) == sorted(second) == list(range(12)) and first != second
    again = datasets.image_folder(tmp_path, 2, batch_size=1, seed=3)
    assert order(again) == first
    fixed = datasets.image_folder(tmp_path, 2, batch_size=1, seed=3, shuffle=False)
    assert order(fixed) == order(fixed)
    train = order(datasets.image_folder(tmp_path, 2, batch_size=1, split="train"))
    test = order(datasets.image_folder(tmp_path, 2, batch_size=1, split="test"))
    assert (len(train), len(test)) == (10, 2) and not set(train) & set(test)
    assert len(order(datasets.image_folder(tmp_path, 2, batch_size=1, max_samples=5))) == 5


def test_cache_to_disk_gives_the_same_images(tmp_path):
    for i in range(5):
        write_image(tmp_path / "images" / f"{i}.png", (7, 9), seed=i)
    cache = tmp_path / "cache" / "folder"
    cache.parent.mkdir()
    plain = datasets.image_folder(tmp_path / "images", 4, shuffle=False)
    cached = datasets.image_folder(tmp_path / "images", 4, shuffle=False, cache=cache)
    for _ in range(2):  # the second epoch reads the cache
        np.testing.assert_array_equal(batches(cached)[0], batches(plain)[0])
    assert any(p.name.startswith("folder") for p in cache.parent.iterdir())


def test_the_cache_is_keyed_by_the_files_and_the_settings(tmp_path):
    for i in range(3):
        write_image(tmp_path / "a" / f"{i}.png", (8, 6), seed=i)
        write_image(tmp_path / "b" / f"{i}.png", (8, 6), seed=10 + i)
    cache = tmp_path / "images.cache"

    def check(folder, image_size=4, **kwargs):
        cached = datasets.image_folder(folder, image_size, shuffle=False, cache=cache, **kwargs)
        for _ in range(2):  # the first epoch writes a cache, the second reads it
            got = images_of(cached)
            order, _ = list_images(folder)
            assert len(got) == len(order)
            for image, path in zip(got, order):
                expected = reference(path, image_size, kwargs.get("color_mode", "rgb"))
                np.testing.assert_allclose(image, expected, atol=PIL_ATOL, err_msg=path)

    check(tmp_path / "a")
    check(tmp_path / "b")  # another folder, the same cache path
    check(tmp_path / "a", image_size=(5, 3))  # another size
    check(tmp_path / "a", color_mode="grayscale")
    # The folder changes: a file rewritten (newer), one added.
    write_image(tmp_path / "a" / "0.png", (8, 6), seed=20)
    stat = os.stat(tmp_path / "a" / "0.png")
    os.utime(tmp_path / "a" / "0.png", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    write_image(tmp_path / "a" / "3.png", (8, 6), seed=21)
    check(tmp_path / "a")


def test_files_that_are_not_images_are_refused_by_name(tmp_path):
    write_image(tmp_path / "good.png")
    (tmp_path / "broken.jpg").write_bytes(b"<html>not found</html>")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match=r"2 of 3 files are not images: .*broken.jpg.*empty.png"):
        datasets.image_folder(tmp_path)


def declare_size(path, width, height):
    """Rewrites the width and height an image file's header declares; the pixels stay.

    The header is all that the listing reads, as a decompression bomb's few kilobytes
    declare a huge image.
    """
    data = bytearray(path.read_bytes())
    if data.startswith(b"\x89PNG"):
        data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
        data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # IHDR's CRC
    elif data.startswith(b"\xff\xd8"):
        frame = data.index(b"\xff\xc0") + 4  # baseline start of frame: precision, H, W
        data[frame + 1 : frame + 5] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    elif data.startswith(b"BM"):
        data[18:26] = width.to_bytes(4, "little") + height.to_bytes(4, "little")
    else:  # GIF: the logical screen and the first image descriptor
        data[6:10] = width.to_bytes(2, "little") + height.to_bytes(2, "little")
        image = data.index(b"\x2c", 13)
        data[image + 5 : image + 9] = data[6:10]
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("format", ["PNG", "JPEG", "BMP", "GIF"])
def test_an_image_declaring_too_many_pixels_is_refused_by_name(tmp_path, format):
    """A decompression bomb is refused from its header when the dataset is made."""
    write_image(tmp_path / "good.png")
    name = f"bomb.{format.lower()}"
    declare_size(write_image(tmp_path / name, (8, 8), format=format), 20_000, 20_000)
    pattern = (
        r"^Expected images of at most 89,478,485 pixels \(PIL\.Image\.MAX_IMAGE_PIXELS\)\. "
        rf"Received: '[^']*{name}', whose header declares (400,000,000|more than PIL reads) "
    )
    with pytest.raises(ValueError, match=pattern) as info:
        datasets.image_folder(tmp_path)
    assert "\n" not in str(info.value)
    # Within the limit (the user may raise it), the listing accepts the header.
    declare_size(tmp_path / name, 9_000, 9_000)
    assert len(list_images(tmp_path)[0]) == 2


def damage(path):
    """Keeps the first half of a file: its header stays valid."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize("name", ["truncated.png", "truncated.jpg", "truncated.gif"])
@pytest.mark.parametrize("cache", [False, True])
def test_a_damaged_file_is_named_in_the_error(tmp_path, name, cache):
    for i in range(5):
        write_image(tmp_path / "folder" / f"good{i}.png", seed=i)
    fmt = {"png": None, "jpg": "JPEG", "gif": None}[name[-3:]]
    damage(write_image(tmp_path / "folder" / name, (40, 40), format=fmt))
    folder = tmp_path / "folder"
    named = rf"Expected readable images\. Received: '[^']*{name}', which fails to decode \("
    kwargs = dict(cache=tmp_path / "cache") if cache else {}
    with pytest.raises(tf.errors.InvalidArgumentError, match=named):
        batches(datasets.image_folder(folder, 4, batch_size=2, **kwargs))
    with pytest.raises(ValueError, match=named + r".*\); remove or replace it$") as info:
        datasets.from_directory(folder, 4)
    assert "\n" not in str(info.value)


def test_find_damaged_names_the_file_pil_cannot_read(tmp_path):
    write_image(tmp_path / "good.png")
    damage(write_image(tmp_path / "truncated.png", size=(40, 40)))
    files, _ = list_images(tmp_path)
    path, reason = find_damaged(files)
    assert path.endswith("truncated.png") and reason
    assert find_damaged([tmp_path / "good.png"]) is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(image_size=0), r"Expected `image_size` to be a positive int .*image_size=0"),
        (dict(image_size=(8, 8, 3)), r"`image_size` .*Received: image_size=\(8, 8, 3\)"),
        (dict(batch_size=0), r"Expected `batch_size` to be a positive integer"),
        (dict(color_mode="rgba"), r"Expected `color_mode` to be 'rgb' or 'grayscale'"),
        (dict(labels="int"), r"Expected `labels` to be 'inferred' or None"),
        (dict(split="valid"), r"Expected `split` to be one of"),
        (dict(max_samples=0), r"Expected `max_samples` to be None or a positive integer"),
        (
            dict(background="grey"),
            r"Expected `background` to be 'white', 'black' or an \(R, G, B\)",
        ),
        (dict(background=(0, 0)), r"Received: background=\(0, 0\)$"),
        (dict(background=(0, 0, 256)), r"Received: background=\(0, 0, 256\)$"),
        (dict(background=(0.5, 0, 0)), r"Received: background=\(0.5, 0, 0\)$"),
        (dict(background=None), r"Received: background=None$"),
    ],
)
def test_argument_errors(tmp_path, kwargs, match):
    write_image(tmp_path / "a.png")
    with pytest.raises(ValueError, match=match):
        datasets.image_folder(tmp_path, **kwargs)


def test_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="Expected an existing folder of images"):
        datasets.image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match=r"Expected a folder holding images .*which holds none"):
        datasets.image_folder(tmp_path)
    write_image(tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"Expected at least one image in split 'test'"):
        datasets.image_folder(tmp_path, split="test")


def test_gan_fits_one_epoch_on_a_folder(tmp_path):
    for i in range(6):
        write_image(tmp_path / f"{i}.png", (37, 29), seed=i)
    generator = architectures.dcgan_generator((8, 8, 3), 4, width=4, dense_layers=0, seed=0)
    discriminator = architectures.dcgan_discriminator((8, 8, 3), width=4, seed=1)
    gan = keras_gan.GAN(generator, discriminator)
    gan.compile("adam", "adam")
    history = gan.fit(datasets.image_folder(tmp_path, 8, batch_size=4), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    assert np.isfinite(history.history["g_loss"]).all()
