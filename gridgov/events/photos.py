"""Photo checks and thumbnails. The type is read from the image itself (Pillow), not trusted from
the file name or the browser's content type."""

import io

from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from .errors import BadRequest
from .models import Event, Photo

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (320, 320)


def check_photo(name: str, content: bytes) -> str:
    """The file's real format extension, or BadRequest with a message naming the file."""
    if len(content) > MAX_BYTES:
        raise BadRequest(f"照片 {name} 超过 {MAX_BYTES // 1024 // 1024} MB")
    if not content:
        raise BadRequest(f"照片 {name} 是空文件")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise BadRequest(f"文件 {name} 不是可识别的图片") from exc
    if image_format not in ALLOWED_FORMATS:
        raise BadRequest(f"照片 {name} 的格式 {image_format} 不支持（只接受 JPEG、PNG、WebP）")
    if width * height > MAX_PIXELS:
        raise BadRequest(f"照片 {name} 像素过大（{width}×{height}）")
    return ALLOWED_FORMATS[image_format]


def thumbnail_of(content: bytes) -> bytes:
    with Image.open(io.BytesIO(content)) as image:
        image = image.convert("RGB")
        image.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def attach_photo(event: Event, kind: str, name: str, content: bytes, uploaded_by: str) -> Photo:
    extension = check_photo(name, content)
    photo = Photo(event=event, kind=kind, uploaded_by=uploaded_by[:80])
    stem = f"{event.number}-{kind}"
    photo.image.save(f"{stem}.{extension}", ContentFile(content), save=False)
    photo.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(thumbnail_of(content)), save=False)
    photo.save()
    return photo
