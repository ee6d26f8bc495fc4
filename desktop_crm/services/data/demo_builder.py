"""The demo builder: the load itself (indexes dropped and rebuilt around it), and the reference
data and clients the deals are drawn for (sellers, users, pipelines, catalog, companies, contacts).

Rows go in through one bulk path on both engines: raw ``executemany`` on the driver's cursor, in
big transactions, with every stored value precomputed (folded search texts, name keys, e-mail keys,
E.164 phones, cached amounts and correctness flags as the sales rules define them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from desktop_crm import money
from desktop_crm.i18n import _
from desktop_crm.models.enums import Preset
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.normalize import email_key, name_key, search_text
from desktop_crm.services.billing import requisites as rq
from desktop_crm.services.data import demo_data
from desktop_crm.services.data.demo_base import _json, _Locale, _Person
from desktop_crm.services.data.demo_deals import _DealsBuilder


class _Builder(_DealsBuilder):
    """Builds the whole demo into an empty, migrated database (see :func:`demo.build_demo`)."""

    def run(self) -> dict[str, int]:
        self.cursor = self.db.cursor()
        saved = self._drop_secondary_indexes()
        if self.engine == "sqlite":
            # Parents are always written before or with their children (``check`` and the tests
            # verify the result); per-row key look-ups would double the load time.
            self.db.execute_sql("PRAGMA foreign_keys = OFF")
            self.db.execute_sql("BEGIN")
        self._define_tables()
        codes = ["ru", "it"] if self.options.locale == "both" else [self.options.locale]
        self.progress(_("Users, pipelines and products"), 0, self.options.deals)
        for code in codes:
            self.locales[code] = self._reference_data(code)
        self.flush()
        self._clients(codes)
        self.commit()
        self._deals(codes)
        self._open_leads(codes)
        self._number_documents()
        self._sequences_and_notifications()
        self.commit()
        if self.engine == "sqlite":
            self.db.execute_sql("COMMIT")
        self.progress(_("Indexes and search"), self.options.deals, self.options.deals)
        if self.engine == "postgres":
            # Check the deferred foreign keys now: indexes cannot be built over pending checks.
            self.db.execute_sql("SET CONSTRAINTS ALL IMMEDIATE")
        self._restore_indexes(saved)
        from desktop_crm.models.search import rebuild_search_index

        rebuild_search_index(self.db, self.engine)
        from desktop_crm.services.data.demo_custom import add_custom_field_examples

        # before freezing: issued documents print custom fields
        add_custom_field_examples(self.now.replace(tzinfo=None))
        from desktop_crm.services.data.demo_freeze import freeze_issued_documents

        freeze_issued_documents()  # with the indexes back: it reads each document's lines
        if self.options.files:
            from desktop_crm.services.data.demo_files import store_demo_files

            store_demo_files(self.new_id, self.now.replace(tzinfo=None), self.progress)
        if self.engine == "sqlite":
            self.db.execute_sql("PRAGMA foreign_keys = ON")
            self.db.execute_sql("PRAGMA analysis_limit = 1000")
        self.db.execute_sql("ANALYZE")
        return {name: t.count for name, t in self.tables.items() if t.count}

    def _drop_secondary_indexes(self) -> list[str]:
        """Drop secondary indexes and search triggers for the load; returns their DDL to re-create."""
        if self.engine == "sqlite":
            rows = self.db.execute_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                "AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name").fetchall()
            for kind, name, _sql in rows:
                self.db.execute_sql(f'DROP {kind.upper()} "{name}"')
            return [sql for _kind, _name, sql in rows]
        rows = self.db.execute_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.connamespace = current_schema()::regnamespace) ORDER BY i.indexname").fetchall()
        for name, _sql in rows:
            self.db.execute_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]

    def _restore_indexes(self, statements: list[str]) -> None:
        for statement in statements:
            self.db.execute_sql(statement)

    # -- reference data --

    def _reference_data(self, code: str) -> _Locale:
        loc = _Locale(code, currency="RUB" if code == "ru" else "EUR", vat_on_top=code == "it")
        v, rng = self.values, self.rng
        created = self.start - dt.timedelta(days=30 if code == "ru" else 20)
        ts = v.ts(created)
        loc.own_company = self._own_company(code, created)

        # Users: the admin, heads of sales and their managers.
        if code == "ru":
            staff = [("Смирнова Ольга Викторовна", "o.smirnova", "admin", None),
                     ("Кузнецов Андрей Викторович", "a.kuznetsov", "head", None),
                     ("Лебедева Наталья Игоревна", "n.lebedeva", "head", None)]
            managers = [("Соколов Дмитрий", 1), ("Морозова Анна", 1), ("Волков Артём", 1),
                        ("Фёдорова Алёна", 1), ("Новиков Игорь", 2), ("Павлова Ксения", 2),
                        ("Егоров Семён", 2), ("Орлова Юлия", 2)]
            domain = "tehnosfera.ru"
        else:
            staff = [("Giulia Romano", "g.romano", "head", None)]
            managers = [("Marco Bianchi", 0), ("Chiara Ferri", 0), ("Luca Moretti", 0),
                        ("Sara Galli", 0), ("Niccolò Conti", 0)]
            domain = "tecnosfera.it"
        ids = []
        for name, login, role, _head in staff:
            uid = self.new_id(created)
            ids.append(uid)
            email = f"{login}@{domain}"
            preset = Preset.ADMIN if role == "admin" else Preset.HEAD
            self.t_user.add((uid, ts, ts, name, email, email_key(email), role, None, code, v.true,
                             v.uuid(PRESET_IDS[preset]), login))
        for name, head_index in managers:
            uid = self.new_id(created)
            login = ".".join(demo_data.translit(part) if code == "ru" else part.lower().replace("ò", "o")
                             for part in reversed(name.split()))
            email = f"{login}@{domain}"
            head = ids[head_index]
            self.t_user.add((uid, ts, ts, name, email, email_key(email), "sales", head, code, v.true,
                             v.uuid(PRESET_IDS[Preset.MANAGER]), login))
            loc.users.append(uid)
            loc.user_weights.append(0.6 + rng.random())
            loc.heads[uid] = head

        # Pipelines with their stages.
        specs = (demo_data.RU_MAIN, demo_data.RU_CORPORATE) if code == "ru" else (demo_data.IT_MAIN,)
        for order, spec in enumerate(specs):
            pid = self.new_id(created)
            self.t_pipeline.add((pid, ts, ts, spec.name, order + (0 if code == "ru" else 10),
                                 v.boolean((order == 0 and code == "ru") or (code == "it" and
                                           self.options.locale == "it"))))
            stage_ids = []
            for index, stage in enumerate(spec.stages):
                sid = self.new_id(created)
                stage_ids.append(sid)
                templates = [{"subject": s, "due_days": d} for s, d in stage.tasks]
                self.t_stage.add((sid, ts, ts, pid, stage.name, index, stage.kind,
                                  money.to_minor_units(stage.probability, money.PERCENT_PLACES),
                                  stage.color, _json(templates), _json([]),
                                  v.boolean(stage.requires_correct)))
            loc.pipelines.append((pid, spec, stage_ids, [spec.weight]))

        # Catalog.
        catalog = demo_data.RU_PRODUCTS if code == "ru" else demo_data.IT_PRODUCTS
        for order, (group_name, products) in enumerate(catalog.items()):
            gid = self.new_id(created)
            self.t_group.add((gid, ts, ts, group_name, order + (0 if code == "ru" else 10)))
            items = []
            for product in products:
                prid = self.new_id(created)
                price = Decimal(product.price)
                self.t_product.add((prid, ts, ts, product.name, product.sku, product.unit,
                                    product.unit_code, money.to_minor_units(price, 2), loc.currency,
                                    money.to_minor_units(product.vat, money.PERCENT_PLACES), gid, v.true,
                                    search_text(product.name, product.sku)))
                items.append((prid, product, price))
            loc.groups.append((gid, group_name, items))
        return loc

    def _own_company(self, code: str, created: dt.datetime) -> Any:
        v = self.values
        ts = v.ts(created)
        oid = self.new_id(created)
        if code == "ru":
            inn = _inn_with_check("7725", "48193")
            bank, bik, corr, _swift = demo_data.RU_BANKS[0]
            account = rq.account_control_key("40702810038000104217", bik, correspondent=False)
            ogrn = _ogrn_with_check("11877", "46", "331950")
            row = ("Общество с ограниченной ответственностью «ТехноСфера»", "ООО «ТехноСфера»", "RU",
                   inn, "772501001", ogrn, bank, bik, corr, account, "", "", "", "", "",
                   "ул. Летниковская, д. 10, стр. 4, офис 312", "115114", "Москва", "",
                   "info@tehnosfera.ru", "+7 (495) 741-20-35",
                   "", "", "Соколов Игорь Александрович", "Белова Марина Сергеевна", "RUB",
                   money.to_minor_units(22, money.PERCENT_PLACES), "included", v.true)
        else:
            piva = _partita_iva_with_check("0912345", "015")
            bban = "03069" + "09606" + "100000012345"
            bban = rq.italian_cin(bban) + bban
            iban = "IT" + rq.iban_check_digits("IT", bban) + bban
            row = ("Tecnosfera S.r.l.", "Tecnosfera", "IT", "", "", "", "Intesa Sanpaolo S.p.A.", "",
                   "", "", piva, piva, "MI-2098765", iban, "BCITITMMXXX",
                   "Via Giovanni Battista Pirelli 27", "20124", "Milano", "MI",
                   "amministrazione@tecnosfera.it", "+39 02 8725 3140",
                   "RF01", "tecnosfera@pec.it", "Paolo Colombo", "Elena Sala", "EUR",
                   money.to_minor_units(22, money.PERCENT_PLACES), "on_top",
                   v.boolean(self.options.locale == "it"))
        self.t_own.add((oid, ts, ts, *row))
        return oid

    # -- companies, contacts --

    def _clients(self, codes: list[str]) -> None:
        rng, v = self.rng, self.values
        total = max(self.options.deals, 20)
        share = {"ru": 0.65, "it": 0.35} if len(codes) == 2 else {codes[0]: 1.0}
        for code in codes:
            loc = self.locales[code]
            n_contacts = max(12, int(total * 0.34 * share[code]))
            n_companies = max(4, n_contacts // 6)
            cities = demo_data.RU_CITIES if code == "ru" else demo_data.IT_CITIES
            for _i in range(n_companies):
                created = self.moment(rng.random() * 0.5)
                cid = self.new_id(created)
                city = rng.choice(cities)
                street = rng.choice(city.streets)
                phone, _e164 = self.landline(code, city)
                responsible = rng.choice(loc.users)
                if code == "ru":
                    root = (rng.choice(demo_data.RU_COMPANY_ROOTS)
                            + rng.choice(demo_data.RU_COMPANY_TAILS).lower())
                    short_form, long_form = demo_data.RU_COMPANY_FORMS[0 if rng.random() < 0.85 else 1]
                    short, legal = f"{short_form} «{root}»", f"{long_form} «{root}»"
                    inn = _inn_with_check(city.region, f"{rng.randrange(100000):05d}")
                    kpp = city.region + "01001"
                    ogrn = _ogrn_with_check(f"1{rng.randrange(2, 25):02d}", city.region[:2],
                                            f"{rng.randrange(10 ** 8):08d}"[:7])
                    bank, bik, corr, _swift = rng.choice(demo_data.RU_BANKS)
                    account = rq.account_control_key(f"40702810{rng.randrange(10 ** 12):012d}", bik,
                                                     correspondent=False)
                    domain = demo_data.translit(root) + ".ru"
                    address = f"{street}, д. {rng.randrange(1, 120)}, офис {rng.randrange(1, 500)}"
                    row = (legal, short, "RU", inn, kpp, ogrn, bank, bik, corr, account, "", "", "",
                           "", "", address, city.postal_code, city.name, "", f"info@{domain}", phone)
                    search = search_text(legal, short, inn, "", city.name, f"info@{domain}")
                else:
                    surname = rng.choice(demo_data.IT_LAST_NAMES)
                    sector = rng.choice(demo_data.IT_COMPANY_SECTORS)
                    form = rng.choice(demo_data.IT_COMPANY_FORMS)
                    short = f"{surname} {sector}"
                    legal = f"{short} {form}"
                    piva = _partita_iva_with_check(f"{rng.randrange(10 ** 7):07d}",
                                                   f"{rng.randrange(1, 100):03d}")
                    bank, abi, bic = rng.choice(demo_data.IT_BANKS)
                    bban = abi + f"{rng.randrange(10 ** 5):05d}" + f"{rng.randrange(10 ** 12):012d}"
                    bban = rq.italian_cin(bban) + bban
                    iban = "IT" + rq.iban_check_digits("IT", bban) + bban
                    domain = demo_data.translit(surname + sector) + ".it"
                    address = f"{street} {rng.randrange(1, 200)}"
                    row = (legal, short, "IT", "", "", "", bank, "", "", "", piva, piva, "", iban, bic,
                           address, city.postal_code, city.name, city.region, f"info@{domain}", phone)
                    search = search_text(legal, short, "", piva, city.name, f"info@{domain}")
                ts = v.ts(created)
                self.t_company.add((cid, ts, ts, *row, responsible, f"www.{domain}", "", search))
                loc.companies.append((cid, domain))
                loc.company_names.append(short)
                loc.company_name_of[cid] = short
            for _i in range(n_contacts):
                created = self.moment(rng.random() * 0.6)
                company_id, domain = (rng.choice(loc.companies) if rng.random() < 0.75
                                      else (None, ""))
                person = self.person(code)
                contact_id = self.new_id(created)
                self._contact_row(loc, contact_id, created, person, company_id, domain)
                loc.contacts.append((contact_id, company_id, person))
            self.flush()

    def _contact_row(self, loc: _Locale, cid: Any, created: dt.datetime, p: _Person,
                     company_id: Any, domain: str) -> None:
        rng, v, code = self.rng, self.values, loc.code
        mobile, mobile_e164 = self.mobile(code)
        work, work_e164 = ("", "")
        if company_id is not None and rng.random() < 0.5:
            cities = demo_data.RU_CITIES if code == "ru" else demo_data.IT_CITIES
            work, work_e164 = self.landline(code, rng.choice(cities))
        latin_last = (demo_data.translit(p.last) if code == "ru"
                      else p.last.lower().replace(" ", "").replace("'", ""))
        latin_first = demo_data.translit(p.first) if code == "ru" else p.first.lower().replace("ò", "o")
        domains = demo_data.RU_MAIL_DOMAINS if code == "ru" else demo_data.IT_MAIL_DOMAINS
        private = rng.choice((f"{latin_first}.{latin_last}", f"{latin_last}{rng.randrange(70, 99)}",
                              f"{latin_first[0]}.{latin_last}")) + "@" + rng.choice(domains)
        if rng.random() < 0.08:
            private = private.capitalize()
        work_email = f"{latin_first[0]}.{latin_last}@{domain}" if domain else ""
        birth = dt.date(rng.randrange(1962, 2003), rng.randrange(1, 13), rng.randrange(1, 29))
        full = " ".join(x for x in (p.last, p.first, p.middle) if x)
        ts = v.ts(created)
        self.t_contact.add((
            cid, ts, ts, p.last, p.first, p.middle, v.date(birth), mobile, mobile_e164, work, work_e164,
            private, work_email, name_key(p.last, p.first, p.middle),
            search_text(full, mobile, mobile_e164, work_e164, private, work_email),
            company_id, self.rng.choices(loc.users, loc.user_weights)[0],
            rng.choice(demo_data.RU_POSITIONS if code == "ru" else demo_data.IT_POSITIONS),
            rng.choice(demo_data.RU_SOURCES if code == "ru" else demo_data.IT_SOURCES), "",
            email_key(private), email_key(work_email), *self._fiscal(code, p, birth),
        ))

    def _fiscal(self, code: str, p: _Person, birth: dt.date) -> tuple[str, ...]:
        """A private client's country, codice fiscale (Italy) and home address: what an invoice to
        them needs (country, fiscal_code, inn, address, postal_code, city, province)."""
        if code != "it":
            return ("RU", "", "", "", "", "", "")
        city = self.rng.choice(demo_data.IT_CITIES)
        address = f"{self.rng.choice(city.streets)} {self.rng.randrange(1, 120)}"
        return ("IT", codice_fiscale(p.last, p.first, birth, p.female, city.name), "", address,
                city.postal_code, city.name, city.region)

# --- requisites with valid check digits ------------------------------------------------------------

_CF_MONTHS = "ABCDEHLMPRST"
_BELFIORE = {"Milano": "F205", "Roma": "H501", "Torino": "L219", "Bologna": "A944", "Firenze": "D612",
             "Napoli": "F839", "Genova": "D969", "Venezia": "L736", "Bari": "A662", "Palermo": "G273"}


def _cf_letters(text: str, name: bool) -> str:
    letters = [c for c in text.upper() if c.isalpha() and c.isascii()]
    consonants = [c for c in letters if c not in "AEIOU"]
    vowels = [c for c in letters if c in "AEIOU"]
    if name and len(consonants) > 3:
        consonants = [consonants[0], consonants[2], consonants[3]]
    return ("".join(consonants + vowels) + "XXX")[:3]  # the CF rule: short names are padded with X


def codice_fiscale(last: str, first: str, birth: dt.date, female: bool, city: str) -> str:
    """A well-formed codice fiscale (surname, name, birth date and sex, comune, check letter)."""
    from stdnum.it import codicefiscale

    day = birth.day + (40 if female else 0)
    body = (_cf_letters(last, False) + _cf_letters(first, True) + f"{birth.year % 100:02d}"
            + _CF_MONTHS[birth.month - 1] + f"{day:02d}" + _BELFIORE.get(city, "H501"))
    return body + str(codicefiscale.calc_check_digit(body))


def _inn_with_check(office: str, serial: str) -> str:
    """A 10-digit ИНН of an organisation: tax office (4) + serial (5) + check digit."""
    base = office + serial
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11 % 10
    return base + str(check)


def _ogrn_with_check(sign_year: str, region: str, serial: str) -> str:
    """A 13-digit ОГРН: sign and year (3), region (2), serial to 12 digits, then the check digit."""
    base = (sign_year + region + serial + "0000000")[:12]
    return base + rq.ogrn_check_digit(base + "0")


def _partita_iva_with_check(serial: str, office: str) -> str:
    """Partita IVA: 7-digit serial + 3-digit provincial office + Luhn check digit."""
    base = serial + office
    total = 0
    for index, char in enumerate(base):
        digit = int(char)
        if index % 2:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return base + str((10 - total % 10) % 10)
