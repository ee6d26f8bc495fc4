"""A small Bitrix24 deal export as the portal writes its "Excel" file (an HTML table with an .xls
extension): what ``desktop-crm screenshots`` shows the import wizard reading."""

from __future__ import annotations

from html import escape
from pathlib import Path

HEADERS = (
    "ID", "Название сделки", "Направление", "Стадия сделки", "Сумма", "Валюта",
    "Предполагаемая дата закрытия", "Компания", "Контакт", "Ответственный", "Источник",
    "Дата создания", "Товар", "Цена", "Количество",
)
ROWS = (
    ("2051", "Поставка станков", "Продажи", "Идентификация лида", "150000.00", "RUB", "28.02.2025",
     "ООО «Вектор»", "", "Анна Морозова", "Звонок", "01.02.2025 10:20:00", "Станок ЧПУ",
     "120000.00", "1"),
    ("2051", "Поставка станков", "Продажи", "Идентификация лида", "150000.00", "RUB", "28.02.2025",
     "ООО «Вектор»", "", "Анна Морозова", "Звонок", "01.02.2025 10:20:00", "Монтаж", "30000.00",
     "1"),
    ("2052", "Сервисный договор", "Продажи", "Квалификация лида", "48000.00", "RUB", "31.13.2025",
     "", "", "Олег Иванов", "Веб-сайт", "05.02.2025 09:05:00", "", "", ""),
    ("2053", "Ремонт оборудования", "Продажи", "Подготовка документов", "12500.00", "RUB", "", "",
     "", "Анна Морозова", "", "06.02.2025 12:00:00", "", "", ""),
    ("2054", "Пусконаладка", "Продажи", "Сделка успешна", "9000.00", "RUB", "", "", "",
     "Олег Иванов", "", "06.02.2025 16:30:00", "", "", ""),
    ("2055", "", "Продажи", "Идентификация лида", "абв", "RUB", "", "ООО «Вектор»", "", "Олег Иванов", "",
     "07.02.2025 15:40:00", "", "", ""),
)


def write_bitrix24_deals(path: Path) -> Path:
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>\n" for row in ROWS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
        '<head><meta http-equiv="Content-type" content="text/html;charset=UTF-8" /></head>\n'
        f'<body><table border="1">\n<tr>{head}</tr>\n{body}</table></body></html>\n',
        encoding="utf-8")
    return path
