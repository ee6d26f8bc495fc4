"""Reading import files: CSV as Excel writes it in Russia and Italy, XLSX, vCard 3.0 and 4.0, and
the broken ones (wrong encoding, another format, a cut-off card)."""

from __future__ import annotations

import codecs
import datetime as dt

import openpyxl
import pytest

from desktop_crm.services.data.imports import formats
from desktop_crm.services.data.imports.formats import ImportFileError, Table, read_table
from tests.imports.conftest import write

RU_HEADER = "Фамилия;Имя;Телефон;E-mail\n"
RU_ROW = "Иванов;Иван;+7 916 123-45-67;ivan@example.ru\n"


def test_windows_1251_with_semicolons(tmp_path):
    table = read_table(write(tmp_path / "clients.csv", RU_HEADER + RU_ROW, "cp1251"))
    assert (table.format, table.encoding, table.delimiter) == ("csv", "cp1251", ";")
    assert table.headers == ["Фамилия", "Имя", "Телефон", "E-mail"]
    assert table.rows == [["Иванов", "Иван", "+7 916 123-45-67", "ivan@example.ru"]]
    assert table.source_row_numbers == [2]


def test_utf8_with_bom_and_commas(tmp_path):
    path = tmp_path / "contatti.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Cognome,Nome,Città\nRossi,Mario,\"Milano, MI\"\n".encode())
    table = read_table(path)
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
    assert table.headers == ["Cognome", "Nome", "Città"]
    assert table.rows == [["Rossi", "Mario", "Milano, MI"]]


def test_tab_separated_utf8_without_bom(tmp_path):
    table = read_table(write(tmp_path / "export.txt", "Last name\tFirst name\nSmith\tJohn\n\n\nDoe\tJane\n"))
    assert (table.encoding, table.delimiter) == ("utf-8", "\t")
    assert table.rows == [["Smith", "John"], ["Doe", "Jane"]]
    assert table.source_row_numbers == [2, 5]  # blank lines are skipped, numbers stay the file's


def test_repeated_and_blank_headers_get_distinct_names(tmp_path):
    table = read_table(write(tmp_path / "a.csv", "Телефон;;Телефон\n1;2;3\n"))
    assert table.headers == ["Телефон", "Column 2", "Телефон (2)"]


def test_a_text_in_neither_encoding_is_refused_clearly(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"Name;Note\n" + bytes(range(0x80, 0xA0)) * 3 + b"\n")
    with pytest.raises(ImportFileError, match="neither UTF-8 nor Windows-1251"):
        read_table(path)


def test_xlsx_first_sheet_with_dates_and_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nome", "Data di nascita", "Prezzo", "Vuoto"])
    sheet.append(["Mario", dt.datetime(1980, 5, 17), 1200.5, None])
    sheet.append([None, None, None, None])
    sheet.append(["Luca", "17/05/1981", 7, None])
    path = tmp_path / "contatti.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.format == "xlsx"
    assert table.headers == ["Nome", "Data di nascita", "Prezzo", "Vuoto"]
    assert table.rows == [["Mario", "1980-05-17", "1200.5", ""], ["Luca", "17/05/1981", "7", ""]]
    assert table.source_row_numbers == [2, 4]


VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Петров;Пётр;Петрович;;\r\nFN:Пётр Петров\r\n"
    "ORG:ООО «Ромашка»;Отдел продаж\r\nTITLE:Директор\r\nTEL;TYPE=CELL:+7 916 000-00-01\r\n"
    "TEL;TYPE=WORK,VOICE:+7 495 000-00-02\r\nEMAIL;TYPE=INTERNET:petr@\r\n romashka.example\r\n"
    "BDAY:1980-05-17\r\nADR;TYPE=WORK:;;ул. Ленина\\, 1;Москва;;101000;Россия\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=D0=92=D0=B0=D0=B6=D0=BD=D1=8B=D0=B9 =\r\n"
    "=D0=BA=D0=BB=D0=B8=D0=B5=D0=BD=D1=82\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Mario Rossi\r\nTEL;VALUE=uri;TYPE=cell:tel:+39-347-1234567\r\n"
    "EMAIL;TYPE=work:mario@rossi.example\r\nBDAY:19810517\r\nEND:VCARD\r\n"
)


def test_vcard_3_and_4(tmp_path):
    table = read_table(write(tmp_path / "contacts.vcf", VCARD))
    assert table.format == "vcard"
    cards = [dict(zip(table.headers, row, strict=True)) for row in table.rows]
    first, second = cards
    assert (first["Last name"], first["First name"], first["Middle name"]) == ("Петров", "Пётр", "Петрович")
    assert (first["Mobile phone"], first["Work phone"]) == ("+7 916 000-00-01", "+7 495 000-00-02")
    assert first["E-mail"] == "petr@romashka.example"  # a folded line
    assert (first["Company"], first["Job title"], first["Birthday"]) == (
        "ООО «Ромашка»", "Директор", "1980-05-17")
    assert (first["Address"], first["City"], first["Postal code"]) == ("ул. Ленина, 1", "Москва", "101000")
    assert first["Note"] == "Важный клиент"  # quoted-printable with a soft line break
    assert (second["First name"], second["Last name"]) == ("Mario", "Rossi")
    assert second["Mobile phone"] == "+39-347-1234567"
    assert (second["Work e-mail"], second["Birthday"]) == ("mario@rossi.example", "1981-05-17")
    assert table.source_row_numbers == [1, 2]


def test_a_cut_off_vcard_is_refused(tmp_path):
    path = write(tmp_path / "cut.vcf", VCARD[: VCARD.rindex("END:VCARD")])
    with pytest.raises(ImportFileError, match="END:VCARD is missing"):
        read_table(path)


@pytest.mark.parametrize("content, asked, message", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "auto", "not a file this application can import"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "auto", "not a file this application can import"),
    (b"", "auto", "not a file this application can import"),
    (VCARD.encode(), "csv", "does not look like a file of the format"),
    (b"Name;Phone\nA;1\n", "xlsx", "does not look like a file of the format"),
    (b"Name;Phone\nA;1\n", "vcard", "does not look like a file of the format"),
    (b"Name;Phone\nA;1\n", "bitrix24-not-here", "is not a file format this version can import"),
])
def test_another_format_is_refused_clearly(tmp_path, content, asked, message):
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        read_table(path, asked)


def test_a_broken_xlsx_and_a_missing_file(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04not really a zip")
    with pytest.raises(ImportFileError):
        read_table(path, "auto")
    with pytest.raises(ImportFileError, match="does not exist"):
        read_table(tmp_path / "nowhere.csv")


def test_other_formats_plug_in_through_the_registry(tmp_path, db):  # fields include custom ones
    def sniff(path, head):
        return head.startswith(b"#MYCRM")

    def read(path):
        lines = path.read_text().splitlines()[1:]
        return Table(lines[0].split("|"), [line.split("|") for line in lines[1:]], "mycrm")

    formats.register_format("mycrm", sniff, read, {"contacts": {"Cognome del cliente": "last_name"}},
                            priority=10)
    try:
        path = write(tmp_path / "x.txt", "#MYCRM\nCognome del cliente|Tel\nRossi|1\n")
        table = read_table(path)
        assert (table.format, table.rows) == ("mycrm", [["Rossi", "1"]])
        from desktop_crm.services.data.imports.mapping import suggest_mapping

        assert suggest_mapping("contacts", table.headers, "mycrm") == {
            "Cognome del cliente": "last_name", "Tel": "mobile_phone"}
    finally:
        formats._FORMATS.pop("mycrm")


def test_italian_excel_csv_in_windows_1252(tmp_path):
    text = "Cognome;Nome;Città;Note\nRossi;Niccolò;Forlì;perché sì\nD'Amico;Lucia;Cantù;\n"
    table = read_table(write(tmp_path / "contatti.csv", text, "cp1252"))
    assert table.encoding == "cp1252"
    assert table.rows[0] == ["Rossi", "Niccolò", "Forlì", "perché sì"]


def test_russian_text_stays_windows_1251_even_with_latin_words(tmp_path):
    text = "Фамилия;Имя;E-mail\nИванов;Иван;ivan@mail.example\nПетров;Пётр;CEO\n"
    assert read_table(write(tmp_path / "a.csv", text, "cp1251")).rows[1] == ["Петров", "Пётр", "CEO"]


def test_utf16_without_bom_is_not_taken_for_text(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("Name;Phone\nA;1\n".encode("utf-16-le"))
    with pytest.raises(ImportFileError, match="not a file this application can import"):
        read_table(path)
    path.write_bytes("Фамилия;Имя\nИванов;Иван\n".encode("utf-16"))  # with its BOM: fine
    assert read_table(path).rows == [["Иванов", "Иван"]]
