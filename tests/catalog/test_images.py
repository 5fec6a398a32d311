"""Product images (CAT-5): content validation, thumbnails, bulk upload by file name, zip safety."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from marketdock.catalog import services
from marketdock.catalog.images import ImageRejected, image_check
from marketdock.catalog.models import ProductImage
from tests.factories.catalog import make_product
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


def jpeg(w=640, h=480, color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "JPEG")
    return buf.getvalue()


def png(w=400, h=400) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (w, h), (0, 128, 255, 128)).save(buf, "PNG")
    return buf.getvalue()


def fake_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


def big_jpeg(size_mb: int = 15) -> bytes:
    data = jpeg(100, 100)
    # a valid JPEG followed by padding: content-wise a real JPEG, 15 MB on disk
    return data + b"\x00" * (size_mb * 1024 * 1024 - len(data))


def corrupt_png() -> bytes:
    data = png()
    return data[:60] + b"\x13\x37" * 40 + data[140:]


@pytest.mark.parametrize("name, data, message", [
    ("photo.jpg", fake_exe(), "이미지 파일이 아닙니다"),
    ("big.jpg", big_jpeg(), "10MB"),
    ("broken.png", corrupt_png(), "손상"),
    ("empty.png", b"", "빈 파일"),
])
def test_image_check_refuses_with_clear_messages(name, data, message):
    with pytest.raises(ImageRejected) as exc:
        image_check(name, data)
    assert message in str(exc.value) and name in str(exc.value)


def test_image_check_refuses_other_formats_by_content():
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    with pytest.raises(ImageRejected) as exc:
        image_check("looks.jpg", buf.getvalue())
    assert "GIF" in str(exc.value)


def test_product_images_upload_screen(admin_client, company, settings):
    p = make_product(company, "IMG-1")
    url = reverse("catalog:product_images", args=[p.pk])
    files = [SimpleUploadedFile("a.jpg", jpeg()), SimpleUploadedFile("setup.png", fake_exe()),
             SimpleUploadedFile("b.png", png())]
    r = admin_client.post(url, {"files": files}, follow=True)
    assert r.status_code == 200
    msgs = [str(m) for m in r.context["messages"]]
    assert any("setup.png" in m and "이미지 파일이 아닙니다" in m for m in msgs)
    images = list(ProductImage.objects.filter(product=p).order_by("sort_order"))
    assert [i.original_name for i in images] == ["a.jpg", "b.png"]
    assert images[0].is_main and not images[1].is_main
    thumb = Image.open(images[0].thumbnail.path)
    assert max(thumb.size) == 300 and (images[0].width, images[0].height) == (640, 480)
    assert str(settings.MEDIA_ROOT) in images[0].image.path
    # make the second the main image, move it first, delete the first
    admin_client.post(reverse("catalog:image_action", args=[images[1].pk]), {"action": "main"})
    images[1].refresh_from_db()
    assert images[1].is_main
    admin_client.post(reverse("catalog:image_action", args=[images[1].pk]), {"action": "up"})
    assert list(ProductImage.objects.filter(product=p).order_by("sort_order").values_list("original_name", flat=True)) == ["b.png", "a.jpg"]
    path = images[1].image.path
    admin_client.post(reverse("catalog:image_action", args=[images[1].pk]), {"action": "delete"})
    remaining = ProductImage.objects.get(product=p)
    assert remaining.is_main, "the next image becomes main"
    import os
    assert not os.path.exists(path)


def test_zip_bulk_upload_matches_by_file_name(admin_client, company):
    make_product(company, "TS-001")
    make_product(company, "KT_002")  # codes may contain underscores
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images/TS-001.jpg", jpeg())
        zf.writestr("images/TS-001_2.png", png())
        zf.writestr("KT_002.jpg", jpeg())
        zf.writestr("NOPE-9.jpg", jpeg())
        zf.writestr("TS-001_3.jpg", fake_exe())
        zf.writestr("../../etc/TS-001_4.jpg", jpeg())  # path traversal: only the base name is used
        zf.writestr("__MACOSX/._TS-001.jpg", b"junk")
        zf.writestr("TS-001_5.jpg", b"\x00" * (11 * 1024 * 1024))  # > 10 MB once unpacked (zip bomb-ish)
    upload = SimpleUploadedFile("photos.zip", buf.getvalue(), content_type="application/zip")
    r = admin_client.post(reverse("catalog:image_bulk"), {"files": [upload]})
    assert r.status_code == 200
    results = {x.name: x for x in r.context["results"]}
    assert set(results) == {"TS-001.jpg", "TS-001_2.png", "KT_002.jpg", "NOPE-9.jpg", "TS-001_3.jpg", "TS-001_4.jpg",
                            "TS-001_5.jpg"}
    assert results["TS-001.jpg"].ok and results["TS-001_2.png"].ok and results["KT_002.jpg"].ok
    assert results["TS-001_4.jpg"].ok
    assert not results["NOPE-9.jpg"].ok and "상품이 없습니다" in results["NOPE-9.jpg"].message
    assert not results["TS-001_3.jpg"].ok and "이미지 파일이 아닙니다" in results["TS-001_3.jpg"].message
    assert not results["TS-001_5.jpg"].ok
    body = r.content.decode()
    assert body.count('data-testid="image-result"') == 7
    imgs = ProductImage.objects.filter(company=company, product__code="TS-001")
    assert imgs.count() == 3 and imgs.get(is_main=True).original_name == "TS-001.jpg"
    # re-uploading the same name replaces instead of duplicating
    r = admin_client.post(reverse("catalog:image_bulk"), {"files": [SimpleUploadedFile("TS-001_2.png", png(50, 50))]})
    assert r.context["results"][0].ok and "교체" in r.context["results"][0].message
    assert imgs.count() == 3 and imgs.get(original_name="TS-001_2.png").width == 50


def test_broken_zip_gives_a_clear_result_not_a_500(admin_client, company):
    r = admin_client.post(reverse("catalog:image_bulk"), {"files": [SimpleUploadedFile("x.zip", b"PK\x03\x04garbage")]})
    assert r.status_code == 200
    res = r.context["results"]
    assert len(res) == 1 and not res[0].ok and "손상" in res[0].message


def test_bulk_upload_many_files_and_oversize(admin_client, company):
    make_product(company, "A1")
    files = [SimpleUploadedFile("A1.jpg", jpeg()), SimpleUploadedFile("A1_2.jpg", big_jpeg())]
    r = admin_client.post(reverse("catalog:image_bulk"), {"files": files})
    res = {x.name: x for x in r.context["results"]}
    assert res["A1.jpg"].ok and not res["A1_2.jpg"].ok and "10MB" in res["A1_2.jpg"].message


def test_images_isolation_and_viewer(other_client, viewer_client, company):
    p = make_product(company, "SECRET-IMG", name="비밀 이미지 상품")
    image, _ = services.product_image_add(company=company, product=p, name="SECRET-IMG.jpg", data=jpeg())
    assert_isolated(other_client, [reverse("catalog:image_action", args=[image.pk]),
                                   reverse("catalog:product_images", args=[p.pk])], secrets=("비밀 이미지 상품",))
    assert viewer_client.post(reverse("catalog:image_action", args=[image.pk]), {"action": "delete"}).status_code == 403
    assert ProductImage.objects.filter(pk=image.pk).exists()
