"""Document kinds as data: every kind through ``desktop-crm render --kind`` on a real SQLite file,
read back with pdftotext and python-docx; a user-defined kind is a template plus a kinds.json row."""

from __future__ import annotations

import io
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from desktop_crm.cli import main
from desktop_crm.documents import kinds
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.system import session
from tests.documents_fixtures import (
    IT_LINES,
    RU_LINES,
    deal_with_lines,
    italian_buyer,
    italian_seller,
    russian_buyer,
    russian_seller,
)
from tests.test_russian_arithmetic import AMOUNT, _decimal


def _db(tmp_path, monkeypatch, country: str) -> tuple[str, str]:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / f"{country}.db")
    db = open_database(url)
    migrate(db)
    session.sign_in_for_tool()  # the first administrator, whom the render command then acts as
    if country == "ru":
        russian_seller()
        deal = deal_with_lines(russian_buyer(), RU_LINES)
    else:
        italian_seller()
        deal = deal_with_lines(italian_buyer(), IT_LINES)
    db.close()
    return url, str(deal.id)


@pytest.fixture
def ru_deal(tmp_path, monkeypatch):
    return _db(tmp_path, monkeypatch, "ru")


@pytest.fixture
def it_deal(tmp_path, monkeypatch):
    return _db(tmp_path, monkeypatch, "it")


def _render(url: str, deal: str, kind: str, out: Path, *extra: str) -> int:
    return main(["render", "--db", url, "--deal", deal, "--kind", kind, "--format",
                 out.suffix.lstrip("."), "-o", str(out), *extra])


def _pdf(path: Path, layout: bool = False) -> str:
    options = ["-layout"] if layout else []
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _docx(path: Path) -> str:
    import docx

    document = docx.Document(io.BytesIO(path.read_bytes()))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("   ".join(dict.fromkeys(cell.text for cell in row.cells)))
    return "\n".join(parts)


def test_every_bundled_kind_is_data():
    known = kinds.kinds()
    assert {"quote", "invoice", "act", "upd", "contract", "ddt"} <= set(known)
    assert known["act"].countries == ("RU",) and known["ddt"].countries == ("IT",)
    assert known["act"].sources == ("invoice", "deal") and known["act"].series
    assert known["upd"].title_in("ru") == "Универсальный передаточный документ"


def test_act_from_the_deal_and_from_the_issued_invoice(ru_deal, tmp_path, capsys):
    url, deal = ru_deal
    act = tmp_path / "act.pdf"
    assert _render(url, deal, "act", act) == 0
    text = _pdf(act)
    assert "Акт выполненных работ (оказанных услуг)" in text and "Заказчик претензий" in text
    assert "Исполнитель:" in text and "Заказчик:" in text
    _check_lines(_pdf(act, layout=True), [line[0] for line in RU_LINES])
    invoice = tmp_path / "invoice.pdf"
    assert _render(url, deal, "invoice", invoice, "--issue") == 0
    assert _render(url, deal, "act", act) == 0
    assert "Счет на оплату № 1 от" in " ".join(_pdf(act).split())  # the basis: the issued invoice
    docx = tmp_path / "act.docx"
    assert _render(url, deal, "act", docx) == 0
    assert "Заказчик претензий" in _docx(docx)
    capsys.readouterr()


def _check_lines(text: str, names: list[str]) -> None:
    for name in names:
        line = next(line for line in text.splitlines() if name in line)
        after = " ".join(line.split(name, 1)[1].replace("\xa0", " ").split())
        qty = Decimal(after.split()[0].replace(",", "."))
        amounts = [_decimal(a) for a in re.findall(AMOUNT, after)]
        price, amount = amounts[0], amounts[-1]
        discount = amounts[1] if len(amounts) == 3 else Decimal(0)
        assert (qty * price).quantize(Decimal("0.01")) - discount == amount, line


def test_upd_status_and_columns_add_up(ru_deal, tmp_path):
    url, deal = ru_deal
    upd = tmp_path / "upd.pdf"
    assert _render(url, deal, "upd", upd) == 0
    flat = " ".join(_pdf(upd).split())
    assert "Универсальный передаточный документ" in flat and "Статус: 1" in flat
    assert "Счёт-фактура №" in flat and "ИНН/КПП продавца" in flat and "Всего к оплате" in flat
    layout = _pdf(upd, layout=True)
    for spec in RU_LINES:
        row = next(line for line in layout.splitlines() if spec[0] in line)
        amounts = [_decimal(a) for a in re.findall(AMOUNT, row.replace("\xa0", " "))]
        net, vat, total = amounts[-3:]
        assert net + vat == total, row  # columns 5 + 8 = 9
    assert _render(url, deal, "upd", tmp_path / "upd.docx") == 0
    assert "Универсальный передаточный документ" in _docx(tmp_path / "upd.docx")


def test_contract_in_both_languages(ru_deal, tmp_path):
    url, deal = ru_deal
    for language, words in (("ru", ("Договор", "Предмет договора", "Реквизиты и подписи сторон")),
                            ("it", ("Contratto", "Oggetto", "Dati e firme delle parti"))):
        out = tmp_path / f"contract-{language}.pdf"
        assert _render(url, deal, "contract", out, "--lang", language) == 0
        text = " ".join(_pdf(out).split())
        assert all(word in text for word in words), language
        docx = tmp_path / f"contract-{language}.docx"
        assert _render(url, deal, "contract", docx, "--lang", language) == 0
        assert words[1] in _docx(docx)


def test_ddt_for_italian_goods_and_country_rules(it_deal, tmp_path, capsys):
    url, deal = it_deal
    ddt = tmp_path / "ddt.pdf"
    assert _render(url, deal, "ddt", ddt) == 0
    text = " ".join(_pdf(ddt).split())
    assert "Documento di trasporto (DDT)" in text and "Causale del trasporto" in text
    assert "Firma del conducente" in text
    assert _render(url, deal, "ddt", tmp_path / "ddt.docx") == 0
    assert "Causale del trasporto" in _docx(tmp_path / "ddt.docx")
    capsys.readouterr()
    assert _render(url, deal, "act", tmp_path / "act.pdf") == 1  # an act is a Russian paper
    assert "seller is in IT" in capsys.readouterr().err


def test_unknown_kind_and_issue_are_refused_with_a_message(ru_deal, tmp_path, capsys):
    url, deal = ru_deal
    assert _render(url, deal, "receipt", tmp_path / "x.pdf") == 1
    err = capsys.readouterr().err
    assert "receipt" in err and "act" in err and "ddt" in err
    assert _render(url, deal, "act", tmp_path / "x.xml", "--issue") == 1
    assert "no XML" in capsys.readouterr().err


def test_a_user_kind_is_a_template_and_a_row(ru_deal, tmp_path, capsys):
    url, deal = ru_deal
    folder = tmp_path / "data" / "templates" / "documents"
    folder.mkdir(parents=True)
    (folder / "kinds.json").write_text(json.dumps({
        "letter": {"sources": ["deal"], "title": {"ru": "Гарантийное письмо", "en": "Letter of guarantee"},
                   "labels": {"ru": {"promise": "Гарантируем оплату"}}, "needs": ["buyer.name"]},
    }), encoding="utf-8")
    (folder / "ru.letter.html").write_text(
        '{% extends "_base.html" %}{% block content %}<h1>{{ doc.title }}</h1>'
        "<p>{{ labels.promise }} {{ totals.grand_total_currency_text }}, {{ buyer.name }}</p>{% endblock %}",
        encoding="utf-8",
    )
    out = tmp_path / "letter.pdf"
    assert _render(url, deal, "letter", out) == 0, capsys.readouterr().err
    text = " ".join(_pdf(out).split())
    assert "Гарантийное письмо" in text and "Гарантируем оплату" in text


def test_upd_without_vat_is_status_2(tmp_path):
    import dataclasses

    from desktop_crm.documents import render
    from desktop_crm.documents.context import build_context, sample_input

    data = sample_input("ru", "upd")
    untaxed = [dataclasses.replace(line, vat_rate=Decimal(0)) for line in data.lines]
    data = dataclasses.replace(data, lines=untaxed)
    path = tmp_path / "upd.pdf"
    path.write_bytes(render.render_pdf(build_context(data)))
    flat = " ".join(_pdf(path).split())
    assert "Статус: 2" in flat and "без НДС" in flat and "Счёт-фактура №" not in flat
