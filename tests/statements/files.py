"""Statement files as banks write them, built by the tests from the formats' documentation:
1CClientBankExchange 1.03 (v8.1c.ru/edi/edi_stnd/100/101.htm) in Windows-1251, and ISO 20022
camt.053 (001.02 and 001.08) XML."""

from __future__ import annotations

from dataclasses import dataclass

RU_ACCOUNT = "40702810938000000001"  # russian_seller()'s расчётный счёт
IT_IBAN = "IT60X0542811101000000123456"  # italian_seller()'s IBAN
RU_BUYER_INN = "7702345678"
IT_BUYER_VAT = "12345670017"


@dataclass
class Doc:
    number: str
    date: str  # dd.mm.yyyy
    amount: str
    purpose: str
    payer: str = 'ООО "Лютик"'
    payer_inn: str = RU_BUYER_INN
    payer_account: str = "40702810100000000777"
    payee_account: str = RU_ACCOUNT
    outgoing: bool = False


def one_c(docs: list[Doc], account: str = RU_ACCOUNT, end: bool = True) -> str:
    """The text of a 1CClientBankExchange statement of ``account`` with ``docs``."""
    lines = [
        "1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows",
        "Отправитель=СбербанкБизнесОнлайн", "Получатель=Бухгалтерия предприятия, редакция 3.0",
        "ДатаСоздания=07.12.2026", "ВремяСоздания=09:15:02", "ДатаНачала=01.12.2026",
        "ДатаКонца=07.12.2026", f"РасчСчет={account}", "Документ=Платежное поручение",
        "СекцияРасчСчет", "ДатаНачала=01.12.2026", "ДатаКонца=07.12.2026",
        f"РасчСчет={account}", "НачальныйОстаток=150000.00", "ВсегоПоступило=0.00",
        "ВсегоСписано=0.00", "КонечныйОстаток=150000.00", "КонецРасчСчет",
    ]
    for doc in docs:
        payer_inn, payee_inn = ("7701234567", doc.payer_inn) if doc.outgoing else (doc.payer_inn,
                                                                                    "7701234567")
        payer_account = account if doc.outgoing else doc.payer_account
        payee_account = doc.payee_account if not doc.outgoing else doc.payer_account
        lines += [
            "СекцияДокумент=Платежное поручение", f"Номер={doc.number}", f"Дата={doc.date}",
            f"Сумма={doc.amount}",
            f"ПлательщикСчет={payer_account}",
            f"Плательщик=ИНН {payer_inn} {doc.payer if not doc.outgoing else 'ООО «Ромашка»'}",
            f"ПлательщикИНН={payer_inn}",
            f"Плательщик1={doc.payer if not doc.outgoing else 'ООО «Ромашка»'}",
            f"ПлательщикРасчСчет={payer_account}", "ПлательщикБанк1=АО «АЛЬФА-БАНК»",
            "ПлательщикБанк2=г. Москва", "ПлательщикБИК=044525593",
            "ПлательщикКорсчет=30101810200000000593",
            f"ПолучательСчет={payee_account}",
            f"Получатель=ИНН {payee_inn} ООО «Ромашка»", f"ПолучательИНН={payee_inn}",
            "Получатель1=ООО «Ромашка»", f"ПолучательРасчСчет={payee_account}",
            "ПолучательБанк1=ПАО СБЕРБАНК", "ПолучательБИК=044525225",
            "ВидОплаты=01", "Очередность=5",
            f"{'ДатаСписано' if doc.outgoing else 'ДатаПоступило'}={doc.date}",
            f"НазначениеПлатежа={doc.purpose}", "КонецДокумента",
        ]
    if end:
        lines.append("КонецФайла")
    return "\r\n".join(lines) + "\r\n"


def one_c_bytes(docs: list[Doc], **kwargs: object) -> bytes:
    return one_c(docs, **kwargs).encode("cp1251")  # type: ignore[arg-type]


@dataclass
class Entry:
    amount: str
    purpose: str
    credit: bool = True
    ref: str = ""
    booked: str = "2026-12-03"
    payer: str = "Bianchi S.p.A."
    payer_vat: str = "IT" + IT_BUYER_VAT
    currency: str = "EUR"


def camt053(entries: list[Entry], iban: str = IT_IBAN, version: str = "001.02") -> bytes:
    """A camt.053 statement of ``iban``; from 001.08 on the debtor sits under ``Pty``."""
    wrap = version >= "001.08"
    body = []
    for number, entry in enumerate(entries, start=1):
        party = (f"<Nm>{entry.payer}</Nm><Id><OrgId><Othr><Id>{entry.payer_vat}</Id></Othr></OrgId></Id>")
        debtor = f"<Dbtr><Pty>{party}</Pty></Dbtr>" if wrap else f"<Dbtr>{party}</Dbtr>"
        status = "<Sts><Cd>BOOK</Cd></Sts>" if wrap else "<Sts>BOOK</Sts>"
        body.append(f"""
      <Ntry>
        <NtryRef>{number}</NtryRef>
        <Amt Ccy="{entry.currency}">{entry.amount}</Amt>
        <CdtDbtInd>{'CRDT' if entry.credit else 'DBIT'}</CdtDbtInd>
        {status}
        <BookgDt><Dt>{entry.booked}</Dt></BookgDt>
        <ValDt><Dt>{entry.booked}</Dt></ValDt>
        <AcctSvcrRef>{entry.ref or f'0542-{number:06d}'}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>E2E-{number:04d}</EndToEndId></Refs>
            <RltdPties>
              {debtor}
              <DbtrAcct><Id><IBAN>IT02L1234512345123456789012</IBAN></Id></DbtrAcct>
            </RltdPties>
            <RmtInf><Ustrd>{entry.purpose}</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.{version}"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-20261207-0001</MsgId><CreDtTm>2026-12-07T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>20261207-{iban[-6:]}</Id>
      <ElctrncSeqNb>241</ElctrncSeqNb>
      <CreDtTm>2026-12-07T06:00:00</CreDtTm>
      <FrToDt><FrDtTm>2026-12-01T00:00:00</FrDtTm><ToDtTm>2026-12-06T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy>
        <Svcr><FinInstnId><BIC>BPMOIT22XXX</BIC></FinInstnId></Svcr></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-01</Dt></Dt></Bal>{''.join(body)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()
