"""Transliteration for screening: resolution 55's table (its own examples), the Russian passport system,
folding."""

from __future__ import annotations

import pytest

from jointfund.portfolio import translit

# The examples printed in the table of Cabinet of Ministers resolution 55 (27 January 2010).
RESOLUTION_55 = [
    ("Алушта", "alushta"),
    ("Борщагівка", "borshchahivka"),
    ("Вінниця", "vinnytsia"),
    ("Гадяч", "hadiach"),
    ("Згурський", "zghurskyi"),
    ("Ґалаґан", "galagan"),
    ("Дон", "don"),
    ("Рівне", "rivne"),
    ("Єнакієве", "yenakiieve"),
    ("Гаєвич", "haievych"),
    ("Житомир", "zhytomyr"),
    ("Закарпаття", "zakarpattia"),
    ("Медвин", "medvyn"),
    ("Іршава", "irshava"),
    ("Їжакевич", "yizhakevych"),
    ("Кадиївка", "kadyivka"),
    ("Йосипівка", "yosypivka"),
    ("Стрий", "stryi"),
    ("Олексій", "oleksii"),
    ("Київ", "kyiv"),
    ("Лебедин", "lebedyn"),
    ("Миколаїв", "mykolaiv"),
    ("Ніжин", "nizhyn"),
    ("Одеса", "odesa"),
    ("Полтава", "poltava"),
    ("Ромни", "romny"),
    ("Суми", "sumy"),
    ("Тетерів", "teteriv"),
    ("Ужгород", "uzhhorod"),
    ("Фастів", "fastiv"),
    ("Харків", "kharkiv"),
    ("Біла Церква", "bila tserkva"),
    ("Чернівці", "chernivtsi"),
    ("Шостка", "shostka"),
    ("Гоща", "hoshcha"),
    ("Русь", "rus"),
    ("Юрій", "yurii"),
    ("Корюківка", "koriukivka"),
    ("Яготин", "yahotyn"),
    ("Костянтин", "kostiantyn"),
    ("Знам'янка", "znamianka"),
    ("Феодосія", "feodosiia"),
    ("Розгон", "rozghon"),
    ("Щербухи", "shcherbukhy"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), RESOLUTION_55)
def test_ukrainian_follows_resolution_55(cyrillic: str, latin: str) -> None:
    assert translit.ukrainian(cyrillic) == latin


def test_iotated_letters_depend_on_their_place_in_the_word() -> None:
    # At a word's start ye yi y yu ya; inside it ie i i iu ia; after an apostrophe still inside the word.
    assert translit.ukrainian("Яків Юрченко") == "yakiv yurchenko"
    assert translit.ukrainian("Маяк Гайова") == "maiak haiova"
    assert translit.ukrainian("Мʼясоїд") == "miasoid"
    assert translit.ukrainian("зг") == "zgh" and translit.ukrainian("жг") == "zhh"


def test_russian_passport_system() -> None:
    assert translit.russian("Щербаков Сергей") == "shcherbakov sergei"
    assert translit.russian("Ёлкина Юлия") == "elkina iuliia"
    assert translit.russian("Подъячев Эдуард Быстров") == "podieiachev eduard bystrov"  # ъ is ie (ICAO 9303)
    assert translit.russian("Хачатурян Царёв") == "khachaturian tsarev"


def test_alphabet_decides_which_system_applies() -> None:
    assert translit.latin("Їжак") == {"yizhak"}  # ї is Ukrainian only
    assert translit.latin("Подъячев") == {"podieiachev"}  # ъ is Russian only
    assert translit.latin("Гена") == {"hena", "gena"}  # either: both readings
    assert translit.latin("Shevchenko") == {"Shevchenko"}


def test_shevchenko_in_three_spellings_has_one_key() -> None:
    assert (
        translit.keys("Шевченко")
        == translit.keys("Shevchenko")
        == translit.keys("Schewtschenko")
        == {"shevchenko"}
    )
    assert translit.keys("Müller-Lüdenscheidt") == {"muller ludensheidt"}
    assert translit.keys("Петренко") != translit.keys("Шевченко")
    assert translit.keys("...") == set()
