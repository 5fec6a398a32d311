"""Product images (CAT-5): validation by content with Pillow, thumbnails, bulk upload of many files
or one zip matched to products by file name (`<product code>.jpg`, `<product code>_2.png`)."""

from __future__ import annotations

import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketdock.core.models import Company

from .models import Product, ProductImage

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 8000×5000; bigger images are refused (decompression bombs)
THUMB_SIZE = (300, 300)
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png"}

MAX_ZIP_BYTES = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_ZIP_TOTAL_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


class ImageRejected(ValueError):
    pass


@dataclass
class CheckedImage:
    data: bytes
    format: str
    ext: str
    width: int
    height: int


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}MB"


def image_check(name: str, data: bytes) -> CheckedImage:
    """Accept a JPG or PNG up to 10 MB whose content really is that image; the file name does not
    matter. Raises ImageRejected with a message naming the file and the reason."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            _("%(name)s: 파일 크기가 %(size)s입니다. 이미지는 10MB 이하만 올릴 수 있습니다.") % {"name": name, "size": mb(len(data))}
        )
    if not data:
        raise ImageRejected(_("%(name)s: 빈 파일입니다.") % {"name": name})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                if fmt not in ALLOWED_FORMATS:
                    raise ImageRejected(
                        _("%(name)s: %(fmt)s 형식입니다. JPG 또는 PNG 이미지만 올릴 수 있습니다.") % {"name": name, "fmt": fmt}
                    )
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise ImageRejected(
                        _("%(name)s: 이미지가 너무 큽니다 (%(w)s×%(h)s). 4천만 화소 이하로 줄여 올리세요.")
                        % {"name": name, "w": width, "h": height}
                    )
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except ImageRejected:
        raise
    except UnidentifiedImageError:
        raise ImageRejected(_("%(name)s: 이미지 파일이 아닙니다. JPG 또는 PNG 이미지만 올릴 수 있습니다.") % {"name": name})
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_("%(name)s: 이미지가 너무 큽니다. 4천만 화소 이하로 줄여 올리세요.") % {"name": name})
    except Exception:  # truncated data, bad CRC, broken headers: Pillow raises many kinds
        raise ImageRejected(_("%(name)s: 이미지 파일이 손상되어 열 수 없습니다. 원본 파일을 다시 저장해 올리세요.") % {"name": name})
    return CheckedImage(data=data, format=fmt, ext=ALLOWED_FORMATS[fmt], width=width, height=height)


def thumbnail_bytes(checked: CheckedImage) -> tuple[bytes, str]:
    with Image.open(io.BytesIO(checked.data)) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA")
            img.save(out, "PNG", optimize=True)
            return out.getvalue(), "png"
        img.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue(), "jpg"


def image_files_delete(image: ProductImage) -> None:
    for f in (image.image, image.thumbnail):
        if f and f.name:
            try:
                f.storage.delete(f.name)
            except OSError:
                pass


# ---------------------------------------------------------------- bulk upload

_NAME_RE = re.compile(r"^(?P<code>.+)_(?P<n>\d{1,3})$")


@dataclass
class BulkResult:
    name: str
    ok: bool
    message: str
    product_code: str = ""


def match_product(company: Company, filename: str, cache: dict[str, Product | None]) -> tuple[Product | None, int | None]:
    stem = os.path.splitext(os.path.basename(filename))[0].strip()

    def lookup(code: str) -> Product | None:
        if code not in cache:
            cache[code] = Product.objects.filter(company=company, code=code).first()
        return cache[code]

    product = lookup(stem)
    if product is not None:
        return product, None
    m = _NAME_RE.match(stem)
    if m:
        product = lookup(m.group("code"))
        if product is not None:
            return product, int(m.group("n"))
    return None, None


def iter_zip(name: str, data_file) -> list[tuple[str, bytes | None, str]]:
    """(member file name, bytes or None, error) for every file in the zip, guarding against zip
    bombs (size, ratio, count) and never touching the disk with member paths."""
    out: list[tuple[str, bytes | None, str]] = []
    try:
        zf = zipfile.ZipFile(data_file)
    except (zipfile.BadZipFile, OSError, ValueError):
        return [(name, None, _("%(name)s: 압축 파일(zip)이 손상되어 열 수 없습니다.") % {"name": name})]
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_MEMBERS:
            return [(name, None, _("%(name)s: 압축 파일 안의 파일이 %(n)s개입니다. %(max)s개 이하로 나눠 올리세요.") % {
                "name": name, "n": len(infos), "max": MAX_ZIP_MEMBERS})]
        total = 0
        for info in infos:
            member = info.filename.replace("\\", "/")
            base = os.path.basename(member)
            if not base or base.startswith(".") or "__MACOSX" in member.split("/"):
                continue
            if info.flag_bits & 0x1:
                out.append((base, None, _("%(name)s: 암호가 걸린 파일은 올릴 수 없습니다.") % {"name": base}))
                continue
            if info.file_size > MAX_IMAGE_BYTES:
                out.append((base, None, _("%(name)s: 파일 크기가 %(size)s입니다. 이미지는 10MB 이하만 올릴 수 있습니다.") % {
                    "name": base, "size": mb(info.file_size)}))
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
                out.append((base, None, _("%(name)s: 압축률이 비정상적으로 높아 열지 않았습니다.") % {"name": base}))
                continue
            total += info.file_size
            if total > MAX_ZIP_TOTAL_UNCOMPRESSED:
                out.append((base, None, _("%(name)s: 압축을 푼 전체 크기가 1GB를 넘어 나머지 파일은 건너뛰었습니다.") % {"name": base}))
                break
            try:
                with zf.open(info) as fh:
                    data = fh.read(MAX_IMAGE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                out.append((base, None, _("%(name)s: 압축 파일에서 꺼낼 수 없습니다 (손상).") % {"name": base}))
                continue
            if len(data) > MAX_IMAGE_BYTES:
                out.append((base, None, _("%(name)s: 파일 크기가 10MB를 넘습니다.") % {"name": base}))
                continue
            out.append((base, data, ""))
    return out
