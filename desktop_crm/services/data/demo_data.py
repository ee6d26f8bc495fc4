"""The vocabulary of the demo database: names, companies, products, stages and timeline texts.

Content, not interface: the texts are Russian or Italian data as a sales team would have typed
them, so they are not translated. Each profile (``RU``, ``IT``) holds what one country's part of the
demo needs; :mod:`desktop_crm.services.data.demo` draws from them with a seeded random generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Pipelines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageSpec:
    name: str
    kind: str  # open / won / lost
    probability: int
    color: str
    tasks: tuple[tuple[str, int], ...] = ()  # (subject, due in days)
    requires_correct: bool = False
    role: str = ""  # "proposal", "closing": where quotes and invoices appear


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    stages: tuple[StageSpec, ...]
    weight: float  # share of the country's deals


# Seed 000 ("Сделка как этап б.п. продажи"): the five stages, then the two finals.
RU_MAIN = PipelineSpec(
    "Продажи",
    (
        StageSpec("Идентификация лида", "open", 10, "#90a4ae",
                  (("Связаться с клиентом и выяснить потребность", 1),)),
        StageSpec("Квалификация лида", "open", 25, "#42a5f5",
                  (("Уточнить бюджет, сроки и лицо, принимающее решение", 3),)),
        StageSpec("Выставление коммерческого предложения", "open", 45, "#7e57c2",
                  (("Подготовить и отправить коммерческое предложение", 2),
                   ("Созвониться по КП и получить обратную связь", 5)),
                  requires_correct=True, role="proposal"),
        StageSpec("Переговоры", "open", 65, "#ffa726",
                  (("Согласовать условия и проект договора", 5),), requires_correct=True),
        StageSpec("Закрытие сделки", "open", 85, "#26a69a",
                  (("Выставить счёт и проконтролировать оплату", 3),),
                  requires_correct=True, role="closing"),
        StageSpec("Сделка успешна", "won", 100, "#43a047", requires_correct=True),
        StageSpec("Сделка провалена", "lost", 0, "#e53935"),
    ),
    0.7,
)

# Seed 003 (Creatio, "Процесс корпоративных продаж"): its stages and the tasks each one creates.
RU_CORPORATE = PipelineSpec(
    "Корпоративные продажи",
    (
        StageSpec("Квалификация", "open", 15, "#78909c",
                  (("Связаться с клиентом, выяснить потребность, согласовать дату и время "
                    "презентации", 2),
                   ("Подготовить презентацию", 5))),
        StageSpec("Презентация", "open", 30, "#5c6bc0", (("Презентация", 7),)),
        StageSpec("Коммерческое предложение", "open", 50, "#ab47bc",
                  (("Презентовать КП", 3),
                   ("Связаться с клиентом для получения комментариев и согласования КП", 7),
                   ("Подготовить и согласовать договор внутри компании", 10)),
                  requires_correct=True, role="proposal"),
        StageSpec("Контрактация", "open", 75, "#ff7043",
                  (("Отправить договор клиенту", 1),
                   ("Связаться с клиентом, уточнить статус получения договора и дату "
                    "предоставления комментариев", 5),
                   ("Согласовать и подписать договор с клиентом", 14)),
                  requires_correct=True, role="closing"),
        StageSpec("Завершена с победой", "won", 100, "#2e7d32", requires_correct=True),
        StageSpec("Завершена с проигрышем", "lost", 0, "#c62828"),
    ),
    0.3,
)

IT_MAIN = PipelineSpec(
    "Vendite",
    (
        StageSpec("Nuovo", "open", 10, "#90a4ae", (("Contattare il cliente e capire l'esigenza", 1),)),
        StageSpec("Qualifica", "open", 25, "#42a5f5",
                  (("Verificare budget, tempi e chi decide", 3),)),
        StageSpec("Proposta inviata", "open", 50, "#7e57c2",
                  (("Inviare il preventivo", 1), ("Richiamare per un riscontro sul preventivo", 5)),
                  requires_correct=True, role="proposal"),
        StageSpec("Negoziazione", "open", 75, "#ffa726",
                  (("Concordare condizioni e contratto", 5),), requires_correct=True,
                  role="closing"),
        StageSpec("Chiuso vinto", "won", 100, "#43a047", requires_correct=True),
        StageSpec("Chiuso perso", "lost", 0, "#e53935"),
    ),
    1.0,
)

# --- Products ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSpec:
    name: str
    sku: str
    unit: str
    unit_code: str
    price: str  # Decimal text
    vat: int
    quantities: tuple[int, ...] = (1, 1, 2, 3, 5, 10)


# the product groups whose deals sell goods (a УПД or a DDT goes with them; services get an акт)
GOODS_GROUPS = frozenset({"Оборудование", "Расходные материалы", "Hardware", "Materiali di consumo"})

RU_PRODUCTS: dict[str, tuple[ProductSpec, ...]] = {
    "Оборудование": (
        ProductSpec("Ноутбук Lenovo ThinkPad E16 Gen 2", "HW-NB-E16", "шт", "796", "89900.00", 22),
        ProductSpec("Монитор Samsung 27\" S27C390", "HW-MN-S27", "шт", "796", "18990.00", 22),
        ProductSpec("МФУ лазерное Pantum M7100DW", "HW-MFU-7100", "шт", "796", "27450.00", 22),
        ProductSpec("Сервер Dell PowerEdge R550", "HW-SRV-R550", "шт", "796", "612000.00", 22, (1, 1, 2)),
        ProductSpec("Коммутатор Eltex MES2428", "HW-SW-2428", "шт", "796", "38700.00", 22),
        ProductSpec("ИБП Ippon Smart Winner II 2000", "HW-UPS-2000", "шт", "796", "41350.00", 22),
    ),
    "Программное обеспечение": (
        ProductSpec("«1С:Управление торговлей 8», базовая версия", "SW-1C-UT", "шт", "796",
                    "9300.00", 22, (1, 1, 1, 2)),
        ProductSpec("Kaspersky Endpoint Security для бизнеса, лицензия на 1 год", "SW-KES-1Y",
                    "шт", "796", "3150.00", 22, (5, 10, 15, 25, 50)),
        ProductSpec("МойОфис Стандартный, подписка на 1 год", "SW-MO-1Y", "шт", "796", "4990.00", 22,
                    (5, 10, 20, 30)),
        ProductSpec("Битрикс24 «Базовый», 1 месяц", "SW-B24-M", "мес", "362", "2490.00", 22,
                    (3, 6, 12)),
    ),
    "Услуги": (
        ProductSpec("Монтаж и пусконаладка оборудования", "SV-INST", "усл. ед", "876", "15000.00", 22,
                    (1, 1, 2)),
        ProductSpec("Абонентское ИТ-обслуживание", "SV-IT-M", "мес", "362", "45000.00", 22,
                    (1, 3, 6, 12)),
        ProductSpec("Час работы программиста 1С", "SV-1C-H", "ч", "356", "3200.00", 22,
                    (4, 8, 16, 40)),
        ProductSpec("Выезд инженера по Москве", "SV-VISIT", "шт", "796", "4500.00", 22),
    ),
    "Обучение": (
        ProductSpec("Курс «Продажи в CRM», 16 ак. часов", "ED-CRM-16", "чел", "792", "24000.00", 0,
                    (1, 2, 3, 5, 8)),
        ProductSpec("Корпоративный тренинг по переговорам (до 12 человек)", "ED-NEG-12",
                    "усл. ед", "876", "120000.00", 0, (1,)),
        ProductSpec("Учебное пособие «Управление продажами», печатное издание", "ED-BOOK-01", "шт",
                    "796", "1450.00", 10, (5, 10, 12, 20)),
    ),
    "Расходные материалы": (
        ProductSpec("Бумага офисная SvetoCopy A4, 500 листов", "CM-PAPER-A4", "упак", "778",
                    "465.50", 22, (10, 20, 50, 100)),
        ProductSpec("Картридж Pantum TL-5120X", "CM-TL5120X", "шт", "796", "6890.00", 22, (1, 2, 4)),
        ProductSpec("Кабель витая пара UTP кат. 5e", "CM-UTP5E", "м", "006", "28.50", 22,
                    (100, 305, 610)),
        ProductSpec("Кофе в зёрнах Jardin Espresso, 1 кг", "CM-COFFEE", "кг", "166", "1290.00", 22,
                    (2, 5, 10)),
    ),
}

IT_PRODUCTS: dict[str, tuple[ProductSpec, ...]] = {
    "Hardware": (
        ProductSpec("Notebook Lenovo ThinkPad E16 Gen 2", "HW-NB-E16", "pz", "C62", "899.00", 22),
        ProductSpec("Monitor Samsung 27\" S27C390", "HW-MN-S27", "pz", "C62", "189.90", 22),
        ProductSpec("Multifunzione Brother MFC-L8390CDW", "HW-MFC-8390", "pz", "C62", "549.00", 22),
        ProductSpec("Server Dell PowerEdge R550", "HW-SRV-R550", "pz", "C62", "5890.00", 22, (1, 1, 2)),
        ProductSpec("Switch Netgear GS324", "HW-SW-GS324", "pz", "C62", "129.00", 22),
    ),
    "Software": (
        ProductSpec("Microsoft 365 Business Standard, licenza annuale", "SW-M365-1Y", "pz", "C62",
                    "149.40", 22, (5, 10, 15, 25)),
        ProductSpec("Gestionale TeamSystem, canone annuo", "SW-TS-1Y", "pz", "C62", "1200.00", 22,
                    (1,)),
        ProductSpec("Antivirus ESET Protect, licenza annuale", "SW-ESET-1Y", "pz", "C62", "39.90", 22,
                    (5, 10, 20, 50)),
    ),
    "Servizi": (
        ProductSpec("Installazione e configurazione", "SV-INST", "h", "HUR", "65.00", 22, (4, 8, 16)),
        ProductSpec("Assistenza tecnica, canone mensile", "SV-IT-M", "mese", "MON", "350.00", 22,
                    (3, 6, 12)),
        ProductSpec("Intervento tecnico on-site", "SV-VISIT", "pz", "C62", "120.00", 22),
        ProductSpec("Servizio catering per evento aziendale", "SV-CATER", "pz", "C62", "850.00", 10,
                    (1,)),
    ),
    "Formazione": (
        ProductSpec("Corso \"Vendere con il CRM\", 16 ore", "ED-CRM-16", "pz", "C62", "480.00", 22,
                    (1, 2, 3, 5)),
        ProductSpec("Manuale \"Tecniche di vendita\", libro", "ED-BOOK-01", "pz", "C62", "24.00", 4,
                    (5, 10, 20)),
    ),
    "Materiali di consumo": (
        ProductSpec("Carta A4 Navigator, risma da 500 fogli", "CM-PAPER-A4", "risma", "C62", "6.90",
                    22, (10, 20, 50, 100)),
        ProductSpec("Toner Brother TN-821XL nero", "CM-TN821", "pz", "C62", "189.00", 22, (1, 2, 4)),
        ProductSpec("Cavo di rete UTP cat. 6", "CM-UTP6", "m", "MTR", "0.85", 22, (100, 305, 500)),
    ),
}

# --- People ----------------------------------------------------------------------------------------

RU_LAST_NAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов",
    "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов",
    "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Чернышёв",
    "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов",
    "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв", "Овчинников",
    "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров",
    "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев",
    "Панов", "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов",
    "Ерёмин", "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов",
    "Нестеров", "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков", "Левин", "Митрофанов",
    "Воронцов", "Аксёнов", "Рябов", "Шестаков", "Вишневский", "Островский", "Ковальский",
)
RU_LAST_NAMES_INVARIANT = ("Ерёменко", "Шевчук", "Коваленко", "Бондаренко", "Ткачук", "Мороз")

RU_MALE_NAMES = (
    "Александр", "Алексей", "Андрей", "Артём", "Борис", "Вадим", "Валерий", "Виктор", "Виталий",
    "Владимир", "Владислав", "Вячеслав", "Геннадий", "Георгий", "Денис", "Дмитрий", "Евгений",
    "Егор", "Иван", "Игорь", "Илья", "Кирилл", "Константин", "Леонид", "Максим", "Михаил",
    "Никита", "Николай", "Олег", "Павел", "Пётр", "Роман", "Руслан", "Семён", "Сергей",
    "Станислав", "Степан", "Тимур", "Фёдор", "Юрий", "Ярослав",
)
RU_FEMALE_NAMES = (
    "Александра", "Алёна", "Алина", "Анастасия", "Анна", "Валентина", "Валерия", "Вера",
    "Виктория", "Галина", "Дарья", "Евгения", "Екатерина", "Елена", "Елизавета", "Жанна",
    "Ирина", "Карина", "Кристина", "Ксения", "Лариса", "Людмила", "Маргарита", "Марина",
    "Мария", "Надежда", "Наталья", "Нина", "Оксана", "Ольга", "Полина", "Светлана", "Софья",
    "Татьяна", "Ульяна", "Юлия", "Яна", "Дарина",
)
# Fathers' names with the patronymics they give (son, daughter).
RU_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
    ("Артёмович", "Артёмовна"), ("Борисович", "Борисовна"), ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"), ("Геннадьевич", "Геннадьевна"), ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"), ("Иванович", "Ивановна"), ("Игоревич", "Игоревна"),
    ("Ильич", "Ильинична"), ("Константинович", "Константиновна"), ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"), ("Павлович", "Павловна"),
    ("Петрович", "Петровна"), ("Романович", "Романовна"), ("Семёнович", "Семёновна"),
    ("Сергеевич", "Сергеевна"), ("Фёдорович", "Фёдоровна"), ("Юрьевич", "Юрьевна"),
    ("Вячеславович", "Вячеславовна"), ("Анатольевич", "Анатольевна"),
)

IT_LAST_NAMES = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
    "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
    "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso",
    "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo",
    "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte",
    "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini", "Messina", "Sala",
    "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna", "Farina", "Rizzi", "Monti",
    "Cattaneo", "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Grassi", "Pellegrino",
    "Carbone", "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo", "Montanari", "Guerra",
    "Palmieri", "Bernardi", "Martino", "Fiore", "De Rosa", "Ferretti", "Bellini", "Basile",
    "Riva", "Donati", "Piras", "Vitali", "Battaglia", "Sartori", "Neri", "Costantini", "Milani",
    "Pagano", "Ruggiero", "Sorrentino", "D'Amico", "Orlando", "Damico", "Negri", "Niccolai",
)
IT_MALE_NAMES = (
    "Marco", "Alessandro", "Andrea", "Matteo", "Lorenzo", "Luca", "Francesco", "Davide",
    "Giuseppe", "Giovanni", "Stefano", "Paolo", "Roberto", "Simone", "Federico", "Riccardo",
    "Niccolò", "Tommaso", "Gabriele", "Emanuele", "Fabio", "Massimo", "Antonio", "Pietro",
    "Salvatore", "Daniele", "Filippo", "Claudio",
)
IT_FEMALE_NAMES = (
    "Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Elena", "Alessia",
    "Federica", "Silvia", "Laura", "Paola", "Sofia", "Giorgia", "Elisa", "Anna", "Roberta",
    "Michela", "Beatrice", "Ilaria", "Lucia", "Monica", "Serena", "Noemi", "Benedetta", "Debora",
)

# --- Places ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    region: str  # RU: tax office prefix (4 digits); IT: province
    postal_code: str
    area_code: str  # after the country code
    subscriber_digits: int
    streets: tuple[str, ...] = field(default=())


RU_CITIES = (
    City("Москва", "7701", "101000", "495", 7,
         ("ул. Тверская", "ул. Летниковская", "Ленинградский пр-т", "ул. Большая Ордынка",
          "Варшавское ш.", "ул. Профсоюзная", "Кутузовский пр-т")),
    City("Москва", "7728", "117342", "499", 7, ("ул. Бутлерова", "Ленинский пр-т", "ул. Обручева")),
    City("Санкт-Петербург", "7810", "196084", "812", 7,
         ("Московский пр-т", "Невский пр-т", "ул. Савушкина", "Лиговский пр-т")),
    City("Екатеринбург", "6671", "620014", "343", 7, ("ул. Малышева", "ул. 8 Марта", "пр-т Ленина")),
    City("Новосибирск", "5406", "630099", "383", 7, ("Красный пр-т", "ул. Кирова", "ул. Фрунзе")),
    City("Казань", "1655", "420111", "843", 7, ("ул. Баумана", "ул. Пушкина", "пр-т Победы")),
    City("Нижний Новгород", "5260", "603005", "831", 7, ("ул. Большая Покровская", "ул. Белинского")),
    City("Самара", "6315", "443010", "846", 7, ("ул. Молодогвардейская", "Московское ш.")),
    City("Краснодар", "2310", "350000", "861", 7, ("ул. Красная", "ул. Северная", "ул. Уральская")),
    City("Ростов-на-Дону", "6164", "344002", "863", 7, ("ул. Большая Садовая", "пр-т Будённовский")),
    City("Пермь", "5902", "614000", "342", 7, ("ул. Ленина", "Комсомольский пр-т")),
)
IT_CITIES = (
    City("Milano", "MI", "20124", "02", 8,
         ("Via Giovanni Battista Pirelli", "Corso Buenos Aires", "Via Torino", "Viale Monza")),
    City("Roma", "RM", "00184", "06", 8, ("Via Nazionale", "Via Appia Nuova", "Viale Marconi")),
    City("Torino", "TO", "10121", "011", 7, ("Corso Vittorio Emanuele II", "Via Po", "Via Nizza")),
    City("Bologna", "BO", "40121", "051", 7, ("Via dell'Indipendenza", "Via Emilia Ponente")),
    City("Firenze", "FI", "50123", "055", 7, ("Via dei Calzaiuoli", "Viale Europa")),
    City("Napoli", "NA", "80133", "081", 7, ("Via Toledo", "Corso Umberto I")),
    City("Verona", "VR", "37121", "045", 7, ("Corso Porta Nuova", "Via Mazzini")),
    City("Padova", "PD", "35121", "049", 7, ("Via Roma", "Corso Milano")),
    City("Bari", "BA", "70121", "080", 7, ("Via Sparano", "Corso Cavour")),
    City("Genova", "GE", "16121", "010", 7, ("Via XX Settembre", "Corso Italia")),
)

RU_MOBILE_PREFIXES = ("903", "905", "906", "909", "910", "912", "915", "916", "917", "919", "921",
                      "925", "926", "929", "951", "960", "962", "964", "977", "985", "991", "999")
IT_MOBILE_PREFIXES = ("320", "328", "329", "331", "333", "334", "335", "338", "339", "340", "342",
                      "345", "347", "348", "349", "351", "366", "380", "388", "389", "392", "393")

RU_MAIL_DOMAINS = ("yandex.ru", "mail.ru", "gmail.com", "bk.ru", "inbox.ru", "rambler.ru", "ya.ru")
IT_MAIL_DOMAINS = ("gmail.com", "libero.it", "virgilio.it", "outlook.it", "hotmail.it", "tiscali.it")

# --- Companies -------------------------------------------------------------------------------------

RU_COMPANY_ROOTS = (
    "Альфа", "Техно", "Север", "Урал", "Волга", "Сибирь", "Гранит", "Вектор", "Меридиан",
    "Прогресс", "Кристалл", "Орион", "Атлант", "Гелиос", "Континент", "Феникс", "Стандарт",
    "Импульс", "Интер", "Балтика", "Дельта", "Эталон", "Горизонт", "Регион", "Профи", "Лидер",
)
RU_COMPANY_TAILS = (
    "Торг", "Сервис", "Пром", "Снаб", "Логистик", "Инжиниринг", "Групп", "Трейд", "Маркет",
    "Строй", "Софт", "Консалт", "Медиа", "Агро", "Энерго", "Тех", "Систем", "Мед",
)
RU_COMPANY_FORMS = (("ООО", "Общество с ограниченной ответственностью"),
                    ("АО", "Акционерное общество"))
RU_BANKS = (  # public requisites of real banks: name, БИК, корреспондентский счёт, SWIFT
    ("ПАО Сбербанк", "044525225", "30101810400000000225", "SABRRUMM"),
    ("АО «Альфа-Банк»", "044525593", "30101810200000000593", "ALFARUMM"),
    ("АО «ТБанк»", "044525974", "30101810145250000974", "TICSRUMM"),
    ("Банк ВТБ (ПАО)", "044525187", "30101810700000000187", "VTBRRUMM"),
    ("Северо-Западный банк ПАО Сбербанк", "044030653", "30101810500000000653", "SABRRUMMNA1"),
)
IT_COMPANY_SECTORS = (
    "Impianti", "Costruzioni", "Informatica", "Trasporti", "Arredamenti", "Elettronica",
    "Alimentari", "Consulting", "Meccanica", "Logistica", "Servizi", "Tessile", "Ottica",
)
IT_COMPANY_FORMS = ("S.r.l.", "S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.")
IT_BANKS = (  # name, ABI, BIC
    ("Intesa Sanpaolo S.p.A.", "03069", "BCITITMM"),
    ("UniCredit S.p.A.", "02008", "UNCRITMM"),
    ("Banco BPM S.p.A.", "05034", "BAPPIT21"),
    ("Banca Monte dei Paschi di Siena S.p.A.", "01030", "PASCITMM"),
    ("BPER Banca S.p.A.", "05387", "BPMOIT22"),
)

RU_POSITIONS = ("Генеральный директор", "Коммерческий директор", "Менеджер по закупкам",
                "Главный бухгалтер", "ИТ-директор", "Руководитель отдела продаж",
                "Офис-менеджер", "Заместитель директора", "Системный администратор")
IT_POSITIONS = ("Titolare", "Amministratore delegato", "Responsabile acquisti",
                "Direttore commerciale", "Responsabile IT", "Amministrazione", "Office manager")

RU_SOURCES = ("Сайт", "Входящий звонок", "Рекомендация", "Выставка", "Email-рассылка",
              "Яндекс Директ", "Социальные сети", "Повторное обращение")
IT_SOURCES = ("Sito web", "Telefonata", "Passaparola", "Fiera", "Newsletter", "Google Ads",
              "LinkedIn", "Cliente abituale")

# --- Timeline texts --------------------------------------------------------------------------------
# Slots: {person} the contact's first name (and patronymic), {product}, {qty}, {discount}, {date}.

RU_DETAILED = (
    "{person} на связи: нужно {product}, {qty} шт. до конца квартала. Бюджет согласован с "
    "финансовым директором, решение принимает сам{a}. Договорились выслать КП до {date}.",
    "Провели встречу в офисе клиента, показали {product} в работе. Вопросы были по срокам поставки "
    "и гарантии. Сравнивают с предложением конкурента, просят скидку {discount}%. Созвон {date}.",
    "Отправили коммерческое предложение на {product}. {person} подтвердил{a} получение и передал{a} "
    "в закупки. Основное возражение — цена, предложили оплату в два этапа. Ответ ждём до {date}.",
    "Обсудили условия договора: предоплата 50%, остаток после поставки. Юристы клиента прислали "
    "протокол разногласий по п. 5.2, согласовали нашу редакцию. Подписание запланировано на {date}.",
    "Клиент расширяет отдел, интересует {product} на {qty} рабочих мест. Назначили демонстрацию на "
    "{date}, будут ИТ-директор и главный бухгалтер.",
    "{person} сообщил{a}, что бюджет на этот год распределён, просили вернуться к вопросу в январе. "
    "Договорились созвониться {date} и прислать обновлённый прайс.",
    "Сейчас работают с другим поставщиком, недовольны сроками доставки (до трёх недель). Наш срок — "
    "5 рабочих дней со склада. Готовы сделать пробный заказ: {product}, {qty} шт.",
    "Согласовали спецификацию: {product}, {qty} шт., доставка до склада клиента за наш счёт. Скидка "
    "{discount}% за объём утверждена руководителем. Счёт отправлен, оплату обещали до {date}.",
    "Видеозвонок: {person} и руководитель закупок. Нужны сертификат соответствия и образец "
    "договора — отправили сегодня. Решение примут на совещании {date}.",
    "КП в целом устраивает, но просят включить обучение персонала и монтаж. Пересчитали, новая "
    "версия КП уйдёт {date}. {person} уходит в отпуск, вопросы решает заместитель.",
    "Клиент подтвердил оплату по счёту, ждут отгрузку: {product}, {qty} шт. Согласовали доставку "
    "на {date}, документы (УПД) передадим с водителем.",
    "Уточнили потребность: сейчас используют устаревшее решение, хотят перейти на {product}. "
    "Бюджет до конца года есть, ЛПР — коммерческий директор. Встреча с ним {date}.",
)
RU_DEAL_NOTES = (
    "Нужно: {product}, {qty} шт. ЛПР — {person}, бюджет согласован, срок до {date}.",
    "Клиент выбирает между нами и конкурентом; важны сроки поставки. Решение до {date}.",
    "Потребность подтверждена: {product}. Просят скидку {discount}%, оплата по факту.",
    "Повторная покупка: {product}, {qty} шт. Условия прошлого договора, отгрузка до {date}.",
    "Интересует {product}; бюджет на квартал выделен, контакт — {person}.",
    "Тендер не нужен, закупка напрямую: {product}, {qty} шт., доставка в офис клиента.",
)
RU_FILLER = ("перезвонить", "НД", "сбросил", "пообщались", "думает", "не берёт трубку",
             "абонент недоступен", "Перезвонить. Думает.", "недозвон")
RU_INTERACTION_SUBJECTS = {
    "call": ("Звонок клиенту", "Входящий звонок", "Звонок по КП", "Уточнение потребности"),
    "meeting": ("Встреча в офисе клиента", "Демонстрация продукта", "Переговоры по договору"),
    "email": ("Письмо с КП", "Ответ на запрос", "Отправка договора"),
    "message": ("Сообщение в WhatsApp", "Сообщение в Telegram"),
}
RU_LOST_REASONS = ("Дорого", "Выбрали конкурента", "Нет бюджета", "Потребность неактуальна",
                   "Клиент не выходит на связь", "Не устроили сроки поставки")
# The reasons of won deals: the built-in list of Settings › Rules as the Russian UI shows it.
RU_WON_REASONS = ("Лучшая цена", "Качество товара или услуги", "Сроки поставки",
                  "Отношения с клиентом", "Рекомендация клиента")
RU_DEAL_TITLES = ("{product} для {company}", "Поставка: {product}", "{company}: {product}",
                  "Внедрение — {product}", "Заказ {company}")
RU_LEAD_TITLES = ("Запрос с сайта: {product}", "Заявка на {product}", "Звонок: интересует {product}",
                  "Выставка: {product}", "Запрос КП от {company}")

IT_DETAILED = (
    "Sentito {person} al telefono: servono {product}, {qty} pezzi entro fine trimestre. Budget "
    "approvato dal direttore amministrativo. Concordato l'invio del preventivo entro il {date}.",
    "Incontro presso la sede del cliente, mostrato {product} in funzione. Domande su consegna e "
    "garanzia; valutano anche un concorrente e chiedono uno sconto del {discount}%. Richiamo il {date}.",
    "Inviato il preventivo per {product}. {person} conferma la ricezione e lo ha girato "
    "all'ufficio acquisti. L'obiezione è il prezzo: proposto pagamento a 60 giorni. "
    "Risposta entro il {date}.",
    "Discusse le condizioni: acconto del 30% all'ordine, saldo a 30 giorni data fattura. Il loro "
    "legale ha chiesto di modificare la clausola sulle penali; accettata la nostra versione. "
    "Firma il {date}.",
    "Il cliente amplia l'ufficio tecnico e valuta {product} per {qty} postazioni. Fissata una demo "
    "il {date} con il responsabile IT e il titolare.",
    "{person} dice che il budget di quest'anno è già impegnato e chiede di risentirci a gennaio. "
    "Concordato di inviare il listino aggiornato e richiamare il {date}.",
    "Oggi si servono da un altro fornitore ma lamentano consegne lente (tre settimane). Noi "
    "consegniamo in 5 giorni lavorativi. Disponibili a un ordine di prova: {product}, {qty} pezzi.",
    "Concordata la specifica: {product}, {qty} pezzi, trasporto a nostro carico. Sconto del "
    "{discount}% sul volume approvato dal responsabile. Fattura inviata via PEC, pagamento entro il {date}.",
    "Videochiamata con {person} e il responsabile acquisti: servono la scheda tecnica e una bozza di "
    "contratto, inviate oggi. Decideranno nella riunione del {date}.",
    "Il preventivo va bene, ma chiedono di includere formazione e installazione. Ricalcolato, la "
    "nuova versione parte il {date}.",
)
IT_DEAL_NOTES = (
    "Serve {product}, {qty} pezzi. Decide {person}, budget approvato, entro il {date}.",
    "Il cliente confronta noi e un concorrente; contano i tempi di consegna. Decisione entro il {date}.",
    "Esigenza confermata: {product}. Chiedono uno sconto del {discount}%, pagamento a 30 giorni.",
    "Riordino: {product}, {qty} pezzi, stesse condizioni del contratto precedente.",
    "Interessati a {product}; budget del trimestre stanziato, referente {person}.",
)
IT_FILLER = ("non risponde", "richiamare", "occupato", "segreteria", "ci pensa", "da richiamare")
IT_INTERACTION_SUBJECTS = {
    "call": ("Telefonata al cliente", "Chiamata in entrata", "Chiamata sul preventivo"),
    "meeting": ("Incontro in sede", "Demo del prodotto", "Trattativa sul contratto"),
    "email": ("E-mail con preventivo", "Risposta alla richiesta", "Invio contratto"),
    "message": ("Messaggio WhatsApp",),
}
IT_LOST_REASONS = ("Prezzo troppo alto", "Scelto un concorrente", "Budget non disponibile",
                   "Progetto rinviato", "Cliente non più raggiungibile", "Tempi di consegna")
IT_WON_REASONS = ("Prezzo migliore", "Qualità del prodotto o del servizio", "Tempi di consegna",
                  "Rapporto con il cliente", "Raccomandazione di un cliente")
IT_DEAL_TITLES = ("{product} per {company}", "Fornitura: {product}", "{company}: {product}",
                  "Ordine {company}")
IT_LEAD_TITLES = ("Richiesta dal sito: {product}", "Richiesta preventivo {company}",
                  "Fiera: interesse per {product}", "Telefonata: {product}")

RU_MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                      "сентября", "октября", "ноября", "декабря")
IT_MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
             "settembre", "ottobre", "novembre", "dicembre")

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def translit(text: str) -> str:
    """Latin letters for an e-mail address or a domain (passport-style transliteration)."""
    out = []
    for char in text.lower():
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char])
        elif char.isascii() and char.isalnum():
            out.append(char)
    return "".join(out)


def feminine(last_name: str) -> str:
    if last_name in RU_LAST_NAMES_INVARIANT:
        return last_name
    if last_name.endswith("ский"):
        return last_name[:-2] + "ая"
    return last_name + "а"
