"""In-app PDF preview (QtPdf), printing through the system dialog, Save as and Open with.

The PDF comes from the documents service: the stored bytes of an issued document, or a fresh
render of a draft. Printing renders each page with ``QPdfDocument.render`` at the printer's
resolution and paints it, so no external viewer is needed on the user's machine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.services.billing.rendering import RenderedFile
from desktop_crm.views.common.dialogs import show_error

FileProvider = Callable[[str], RenderedFile]  # format ("pdf", "docx", "xml") → file


def load_pdf(content: bytes, parent: QWidget | None = None) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument over bytes (keep the buffer alive as long as the document)."""
    document = QPdfDocument()
    if parent is not None:
        document.setParent(parent)
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(content))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    return document, buffer


def page_images(content: bytes, dpi: int = 60) -> list[QImage]:
    """Every page as an image (for thumbnails and tests)."""
    document, buffer = load_pdf(content)
    images = []
    for page in range(document.pageCount()):
        points = document.pagePointSize(page)
        size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
        images.append(document.render(page, size))
    document.close()
    buffer.close()
    return images


def print_pdf(content: bytes, printer: QPrinter) -> int:
    """Paint every page on ``printer``; returns the number of pages printed."""
    document, buffer = load_pdf(content)
    painter = QPainter()
    if not painter.begin(printer):
        raise CrmError(_("The printer cannot be used."))
    try:
        dpi = printer.resolution()
        target = painter.viewport()
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            image = document.render(page, size)
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            fitted = image.scaled(scaled, Qt.AspectRatioMode.KeepAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation)
            painter.drawImage(target.x(), target.y(), fitted)
        return document.pageCount()
    finally:
        painter.end()
        document.close()
        buffer.close()


class PdfPreview(QDialog):
    """Preview of one document with Print, Save as PDF/DOCX and Open in the word processor."""

    def __init__(self, pdf: RenderedFile, files: FileProvider, parent: QWidget | None = None,
                 send: Callable[[], Any] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("document_preview")
        self.setWindowTitle(_("Preview: {name}").format(name=pdf.filename))
        self.pdf = pdf
        self.files = files
        self.resize(820, 980)
        layout = QVBoxLayout(self)
        note = QLabel(
            _("The issued document, exactly as stored.") if pdf.stored
            else _("Draft preview: not issued yet.")
        )
        note.setObjectName("preview_note")
        layout.addWidget(note)
        self.document, self._buffer = load_pdf(pdf.content, self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        layout.addWidget(self.view, 1)
        self.view.pageNavigator().jump(0, QPointF(0, 0), 0)
        buttons = QHBoxLayout()
        for name, text, slot in (
            ("print", _("Print…"), self.print_document),
            ("save_pdf", _("Save as PDF…"), lambda: self.save_as("pdf")),
            ("save_docx", _("Save as DOCX…"), lambda: self.save_as("docx")),
            ("open_docx", _("Open in word processor"), self.open_docx),
        ):
            button = QPushButton(text, self)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        if send is not None:  # the deal's compose dialog for this document
            mail = QPushButton(_("Send by e-mail…"), self)
            mail.setObjectName("send_mail")
            self._send = send
            mail.clicked.connect(self._send_by_mail)
            buttons.addWidget(mail)
        buttons.addStretch(1)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def _send_by_mail(self) -> None:
        self.accept()
        self._send()

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.pdf.filename)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            print_pdf(self.pdf.content, printer)
        except CrmError as error:
            show_error(self, error.message)

    def _file(self, fmt: str) -> RenderedFile | None:
        if fmt == "pdf":
            return self.pdf
        try:
            return self.files(fmt)
        except CrmError as error:
            show_error(self, error.message)
            return None

    def save_as(self, fmt: str, path: str | None = None) -> Path | None:
        rendered = self._file(fmt)
        if rendered is None:
            return None
        if path is None:
            filters = {"pdf": _("PDF files (*.pdf)"), "docx": _("Word documents (*.docx)"),
                       "xml": _("XML files (*.xml)")}
            path, _chosen = QFileDialog.getSaveFileName(self, _("Save as"), rendered.filename, filters[fmt])
            if not path:
                return None
        target = Path(path)
        target.write_bytes(rendered.content)
        return target

    def open_docx(self) -> None:
        rendered = self._file("docx")
        if rendered is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="crm-doc-"))
        target = folder / rendered.filename
        target.write_bytes(rendered.content)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
            message = _("No application is set up to open Word documents. The file is saved at {path}.")
            show_error(self, message.format(path=target))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        # start at the top of page 1 once the view knows its size
        QTimer.singleShot(0, lambda: self.view.verticalScrollBar().setValue(0))

    def done(self, result: int) -> None:
        self.document.close()
        super().done(result)
