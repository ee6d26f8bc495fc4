"""Rule 3: detailed comments, with a configurable minimum and stop-list."""

from __future__ import annotations

import pytest

from desktop_crm import i18n
from desktop_crm.services.sales import rules


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "НД",
        "перезвонить",
        "Сбросил",
        "пообщались",
        "думает",
        "НД. Перезвонить. Сбросил, думает",
        "Не дозвонился, перезвонить завтра",  # "завтра" alone is not what was agreed
        "non risponde, richiamare",
        "Call back. No answer. Voicemail",
        "ok",
    ],
)
def test_fillers_and_short_texts_are_not_detailed(db, text):
    verdict = rules.is_detailed(text)
    assert verdict.detailed is False
    assert not verdict
    assert verdict.reason  # the UI shows why


@pytest.mark.parametrize(
    "text",
    [
        "Планирует поступление на СПО, готов оплачивать, мама поддерживает, назначили встречу на пятницу",
        "Cliente interessato al corso, concordato preventivo di 1.200 € entro lunedì",
        "Discussed the proposal: 10 licences, client agrees on 15% discount, contract by Friday",
        "Перезвонить в пятницу: клиент согласовывает бюджет 40 000 с директором",  # filler plus content
    ],
)
def test_texts_saying_what_was_agreed_are_detailed(db, text):
    verdict = rules.is_detailed(text)
    assert verdict.detailed is True, verdict.reason
    assert verdict.reason == ""


def test_the_reasons_name_the_minimum_and_are_translated(db):
    short = rules.is_detailed("Ок, да")
    assert "at least 3 words and 15 characters" in short.reason
    filler = rules.is_detailed("перезвонить, не отвечает, сбросил")
    assert "not a detailed comment" in filler.reason
    i18n.set_language("ru")
    assert "не менее 3 слов" in rules.is_detailed("Ок, да").reason
    i18n.set_language("it")
    assert "almeno 3 parole" in rules.is_detailed("Ok, sì").reason


def test_minimum_and_stop_list_are_settings(db):
    text = "Договорились о скидке"
    assert rules.is_detailed(text).detailed is True
    rules.COMMENT_MIN_WORDS.set(5)
    assert rules.is_detailed(text).detailed is False
    rules.COMMENT_MIN_WORDS.reset()
    rules.COMMENT_STOP_PHRASES.set(["договорились о скидке"])
    assert rules.is_detailed(text).detailed is False
    assert rules.is_detailed("НД, перезвонить потом обязательно").detailed is True  # НД no longer listed
    rules.COMMENT_STOP_PHRASES.reset()
    assert rules.is_detailed(text).detailed is True


def test_lost_reasons_default_list_follows_the_ui_language(db):
    assert "Price too high" in rules.lost_reasons()
    i18n.set_language("ru")
    assert "Дорого" in rules.lost_reasons()
    rules.LOST_REASONS.set(["Нет лицензии", "Ушёл к конкуренту"])
    assert rules.lost_reasons() == ["Нет лицензии", "Ушёл к конкуренту"]
