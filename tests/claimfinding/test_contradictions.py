import pytest

from articles.claimfinding import Passage, find_contradictions


def _kinds(first, second):
    return {
        (c.kind, c.first_values, c.second_values)
        for c in find_contradictions([Passage("a", first), Passage("b", second)])
    }


def test_money_amounts_differ():
    found = _kinds(
        "Large companies face fees of up to $42,000 per month.",
        "The proposed fees range from 42,000 USD to 210,000 USD per month.",
    )
    assert ("money", ("$42,000",), ("42,000 USD", "210,000 USD")) in found


def test_same_amount_in_other_words_agrees():
    assert (
        _kinds(
            "Microsoft contributed $10 billion to OpenAI last year.",
            "Last year, Microsoft invested 10 billion dollars in OpenAI.",
        )
        == set()
    )


def test_weekday_against_date():
    found = _kinds(
        "Elon Musk threatened legal action against Microsoft on Wednesday.",
        "On April 20th, 2023, Elon Musk threatened legal action against Microsoft.",
    )
    assert ("date", ("Wednesday",), ("April 20th, 2023 (a Thursday)",)) in found


def test_weekday_matching_date_agrees():
    assert _kinds("Musk sued on Wednesday.", "Musk sued on 19 April 2023.") == set()


@pytest.mark.parametrize(
    ("first", "second", "kind"),
    [
        (
            "Die Inflation lag im März bei 2,4 Prozent.",
            "Im März betrug die Inflation 2,6 %.",
            "percent",
        ),
        (
            "El juicio empezó el 3 de mayo de 2024.",
            "El juicio empezó el 5 de mayo de 2024.",
            "date",
        ),
        ("The storm killed 14 people.", "The storm killed 41 people.", "figure"),
        (
            "The plan was announced by Prime Minister Rishi Sunak.",
            "The plan was announced by Prime Minister Boris Johnson.",
            "name",
        ),
    ],
)
def test_contradictions_by_kind(first, second, kind):
    assert kind in {k for k, _, _ in _kinds(first, second)}


def test_missing_value_is_no_contradiction_and_sources_kept():
    assert _kinds("Musk sued Microsoft for $10 billion.", "Musk sued Microsoft.") == set()
    passages = [Passage(1, "The fee is $5."), Passage(2, "No fee."), Passage(3, "The fee is $6.")]
    [found] = find_contradictions(passages)
    assert (found.first, found.second) == (1, 3)


def test_repeated_variants_give_one_flag_each_pair():
    # 40 passages in two variants: one flag, sourced to the first passage of each variant.
    passages = [
        Passage(i, "The fee is $5 a month." if i % 2 == 0 else "The fee is $6 a month.")
        for i in range(40)
    ]
    [found] = find_contradictions(passages)
    assert (found.kind, found.first, found.second) == ("money", 0, 1)
