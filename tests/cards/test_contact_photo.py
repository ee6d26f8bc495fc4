"""A contact's photo: checked, made small, stored and cleared (SQLite and PostgreSQL), and set from
the contact card's header through its menu and a file dialog."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from desktop_crm import i18n
from desktop_crm.errors import ValidationError
from desktop_crm.models import Contact, Role, User
from desktop_crm.services.sales import photos
from tests.factories import make_contact


def picture(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 80, 40) if mode == "RGB" else (200, 80, 40, 128)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def admin(any_db):
    return User.create(name="Админ", role=Role.ADMIN, email="admin@firma.ru")


def test_a_photo_is_made_small_stored_and_removed(admin):
    contact = make_contact()
    assert photos.contact_photo(contact.id) is None
    assert photos.set_contact_photo(contact.id, picture()) is True
    stored = photos.contact_photo(contact.id)
    assert stored is not None and len(stored) <= photos.MAX_BYTES
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and max(image.size) == photos.MAX_SIDE
        assert image.size == (256, 192)  # the proportions are kept
    # transparency stays (PNG), a small picture is not blown up
    photos.set_contact_photo(contact.id, picture("PNG", (100, 40), "RGBA"))
    with Image.open(io.BytesIO(photos.contact_photo(contact.id))) as image:
        assert image.format == "PNG" and image.size == (100, 40) and image.mode == "RGBA"
    assert Contact.get_by_id(contact.id).last_name == "Петров"  # the rest of the contact stays
    assert photos.set_contact_photo(contact.id, None) is False
    assert photos.contact_photo(contact.id) is None


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"GIF89a" + b"\0" * 40])
def test_what_is_not_a_png_or_jpeg_is_refused_in_the_users_language(admin, data):
    contact = make_contact()
    photos.set_contact_photo(contact.id, picture())
    before = photos.contact_photo(contact.id)
    i18n.set_language("ru")
    try:
        with pytest.raises(ValidationError) as refused:
            photos.set_contact_photo(contact.id, data)
    finally:
        i18n.set_language("en")
    assert refused.value.field == "photo"
    assert any(word in refused.value.message for word in ("PNG", "JPEG"))
    assert "файл" in refused.value.message.lower() or "изображение" in refused.value.message.lower()
    assert photos.contact_photo(contact.id) == before  # nothing half-written


def test_a_gif_and_a_huge_file_are_refused(admin):
    contact = make_contact()
    with pytest.raises(ValidationError):
        photos.set_contact_photo(contact.id, picture("GIF", (50, 50)))
    with pytest.raises(ValidationError) as refused:
        photos.set_contact_photo(contact.id, b"\xff\xd8" + b"\0" * (photos.MAX_FILE_BYTES + 1))
    assert "20" in refused.value.message
    assert photos.contact_photo(contact.id) is None


def test_a_deleted_contact_takes_no_photo(admin):
    from desktop_crm.models.base import utcnow

    contact = make_contact()
    Contact.update(deleted_at=utcnow()).where(Contact.id == contact.id).execute()
    with pytest.raises(Exception):  # noqa: B017 - refused by rights or as gone, never stored
        photos.set_contact_photo(contact.id, picture())
    assert Contact.get_by_id(contact.id).photo is None


def _answer_file_dialog(path: str) -> list[str]:
    """Pick ``path`` in the next photo dialog (the application's own, non-native QFileDialog)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog

    seen: list[str] = []

    def pick() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, pick)
            return
        seen.append(dialog.windowTitle())
        dialog.selectFile(path)
        dialog.accept()

    QTimer.singleShot(0, pick)
    return seen


def test_the_contact_card_sets_and_removes_a_photo_through_its_header(context, qtbot, answer,
                                                                      tmp_path):
    from PySide6.QtWidgets import QApplication

    from desktop_crm.services.sales import contacts

    contact = contacts.create_contact({"last_name": "Rossi", "first_name": "Giulia",
                                       "birth_date": dt.date(1990, 3, 4),
                                       "private_email": "giulia.rossi@example.it",
                                       "mobile_phone": "+39 312 345 6789"}, context.user.id)
    i18n.set_language("it")
    try:
        card = context.registry.card_opener("contacts")(context, str(contact.id), None)
        qtbot.waitExposed(card)
        header = card.header
        assert header.photo_button.isVisible() and header.choose_photo_action.text() == "Foto…"
        assert header.photo_button.text() == "Foto"  # a tool button drops the ellipsis
        assert not header.avatar.has_photo() and header.avatar.initials()
        assert not header.remove_photo_action.isEnabled()
        face = tmp_path / "giulia.jpg"
        face.write_bytes(picture(size=(1024, 768)))

        titles = _answer_file_dialog(str(face))
        qtbot.mouseClick(header.photo_button, Qt.MouseButton.LeftButton)  # its default: Photo…
        assert titles == ["Scegli una foto"]
        qtbot.waitUntil(header.avatar.has_photo)
        assert header.remove_photo_action.isEnabled()
        assert header.avatar.photo().width() == 256
        assert Contact.get_by_id(contact.id).photo is not None
        assert not card.dirty  # the photo is stored at once, not with the form
        assert not header.avatar.grab().isNull()

        # a file that is no picture: a clear refusal in Italian, the photo stays
        bad = tmp_path / "notes.jpg"
        bad.write_text("not a picture")
        _answer_file_dialog(str(bad))
        texts = answer("OK")
        header.choose_photo_action.trigger()
        assert texts and "PNG o JPEG" in texts[0]
        assert header.avatar.has_photo()

        header.remove_photo_action.trigger()
        assert not header.avatar.has_photo()
        assert Contact.get_by_id(contact.id).photo is None
        # a second open of the card shows the photo again once set
        assert card.load_photo(str(face))
        card.close()
        again = context.registry.card_opener("contacts")(context, str(contact.id), None)
        qtbot.waitExposed(again)
        assert again.header.avatar.has_photo()
        again.close()
    finally:
        i18n.set_language("en")
        for widget in QApplication.topLevelWidgets():
            widget.close()

