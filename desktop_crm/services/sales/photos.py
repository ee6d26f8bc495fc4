"""A contact's photo: checked, made small and stored with the contact (synced like its fields).

* ``prepare_photo(data)`` → the bytes that are stored: a PNG or a JPEG file is read by Pillow,
  turned upright (its EXIF orientation), scaled down to at most :data:`MAX_SIDE` pixels a side and
  written again without its metadata (PNG when it has transparency, else JPEG); anything else, a
  damaged image, a file over :data:`MAX_FILE_BYTES` or a result over :data:`MAX_BYTES` is refused
  with a translated :class:`ValidationError`.
* ``set_contact_photo(contact_id, data | None)`` sets it (``None`` clears it) in one transaction,
  under the same rights as editing the contact; ``contact_photo(contact_id)`` reads it.

Lists and the board keep initials: reading a photo per row would cost a query (or a large column)
per row; the card header shows it.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import Contact, database
from desktop_crm.services.system import rights

MAX_SIDE = 256
MAX_BYTES = 512 * 1024  # what is stored, after scaling down
MAX_FILE_BYTES = 20 * 1024 * 1024  # what may be chosen
MAX_PIXELS = 50_000_000  # a larger picture is refused before it is decoded
FORMATS = ("PNG", "JPEG")


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, field="photo")


def prepare_photo(data: bytes) -> bytes:
    """The photo as stored: upright, at most ``MAX_SIDE`` px a side, PNG or JPEG, no metadata."""
    if not data:
        raise _refuse(_("The file is empty: choose a PNG or JPEG picture."))
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(_("The file is too large for a photo (at most {size} MB).").format(
            size=MAX_FILE_BYTES // (1024 * 1024)))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise _refuse(_("Choose a PNG or JPEG picture."))
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(_("The picture is too large (at most {pixels} million pixels).")
                              .format(pixels=MAX_PIXELS // 1_000_000))
            image.load()
            picture = ImageOps.exif_transpose(image) or image
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            return _encode(picture)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(_("Choose a PNG or JPEG picture.")) from None


def _encode(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    transparent = picture.mode in ("RGBA", "LA") or (
        picture.mode == "P" and "transparency" in picture.info)
    if transparent:
        picture.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        picture.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    stored = out.getvalue()
    if len(stored) > MAX_BYTES:
        raise _refuse(_("The photo is too large even when made smaller: choose another picture."))
    return stored


def _live(contact_id: IdLike) -> Contact:
    contact = Contact.get_or_none((Contact.id == as_uuid(contact_id)) & Contact.deleted_at.is_null())
    if contact is None:
        raise ValidationError(_("The contact no longer exists."))
    return contact


def set_contact_photo(contact_id: IdLike, data: bytes | None) -> bool:
    """Set (or with ``None`` remove) the contact's photo; whether it now has one."""
    rights.guard_write(Contact, contact_id)
    stored = prepare_photo(data) if data is not None else None
    with database.atomic():
        contact = _live(contact_id)
        contact.photo = stored
        contact.save()
    return stored is not None


def contact_photo(contact_id: IdLike) -> bytes | None:
    """The contact's photo as stored (PNG or JPEG bytes), ``None`` when it has none."""
    rights.require_visible(Contact, contact_id)
    row = (Contact.select(Contact.photo)
           .where((Contact.id == as_uuid(contact_id)) & Contact.deleted_at.is_null()).first())
    if row is None or not row.photo:
        return None
    return bytes(row.photo)
