"""Claim finding on three short German articles on one story (written for this test, in the
words three outlets would use): which claims should be suggested and matched, and the figures
reached. Run with -s to see them."""

import pytest

from articles.claimfinding import ArticleText, Passage, Thresholds, find_contradictions
from tests.claimfinding.evaluation import evaluate

ARTICLES = [
    (
        "Die Stadtwerke Leipzig erhöhen den Strompreis zum 1. Januar 2025 um 12 Prozent, wie "
        "Geschäftsführerin Petra Lange am Montag mitteilte. "
        "Ein Haushalt mit 2.500 Kilowattstunden zahlt dann rund 96 Euro mehr im Jahr. "
        "Als Grund nannte Lange gestiegene Kosten für die Netzentgelte. "
        "Die Verbraucherzentrale Sachsen kritisierte die Erhöhung als überzogen. "
        "Im Herbst war es in Leipzig ungewöhnlich mild."
    ),
    (
        "Strom in Leipzig wird teurer. "
        "Zum Jahreswechsel steigen die Strompreise der Stadtwerke Leipzig um 14 Prozent, sagte "
        "die Chefin des Versorgers, Petra Lange. "
        "Begründet wird der Aufschlag mit höheren Netzentgelten. "
        "Laut Verbraucherzentrale Sachsen ist die Preiserhöhung deutlich zu hoch. "
        "Kunden können bis Ende Dezember kündigen."
    ),
    (
        "Die Stadtwerke Leipzig verlangen ab Januar 2025 zwölf Prozent mehr für Strom. "
        "Nach Angaben des Unternehmens zahlt eine Familie mit 2.500 Kilowattstunden "
        "Jahresverbrauch künftig etwa 96 Euro zusätzlich. "
        "Die Stadtwerke versorgen nach eigenen Angaben 310.000 Kunden. "
        "Wie geht es weiter?"
    ),
]

GOLD: dict[str, dict[int, tuple[str, ...]]] = {
    "Stadtwerke Leipzig raise electricity prices by 12 % from January 2025": {
        0: ("erhöhen den Strompreis zum 1. Januar 2025",),
        1: ("steigen die Strompreise der Stadtwerke Leipzig um 14 Prozent",),
        2: ("verlangen ab Januar 2025 zwölf Prozent mehr",),
    },
    "A household using 2,500 kWh pays about 96 euros more a year": {
        0: ("Ein Haushalt mit 2.500 Kilowattstunden",),
        2: ("zahlt eine Familie mit 2.500 Kilowattstunden",),
    },
    "The increase is due to higher grid fees": {
        0: ("Als Grund nannte Lange gestiegene Kosten",),
        1: ("Begründet wird der Aufschlag mit höheren Netzentgelten",),
    },
    "The consumer centre of Saxony calls the increase excessive": {
        0: ("Die Verbraucherzentrale Sachsen kritisierte",),
        1: ("Laut Verbraucherzentrale Sachsen ist die Preiserhöhung",),
    },
    "Stadtwerke Leipzig supply 310,000 customers": {2: ("310.000 Kunden",)},
}


@pytest.fixture(scope="module")
def figures():
    articles = [ArticleText(i, body, "de") for i, body in enumerate(ARTICLES)]
    result = evaluate(articles, GOLD, Thresholds())
    for name, value in result.items():
        print(f"german, {name}: {value}")  # noqa: T201 - the figures the report quotes
    return result


def test_german_suggestions(figures):
    # Measured: precision 1.00, recall 0.70.
    assert figures["suggestions"].precision >= 0.6
    assert figures["suggestions"].recall >= 0.6


def test_german_grouping_and_matching(figures):
    # Measured: grouping precision 1.00, recall 0.67; matching precision 1.00, recall 0.80.
    assert figures["grouping"].precision >= 0.6
    assert figures["grouping"].recall >= 0.4
    assert figures["matching"].precision >= 0.6
    assert figures["matching"].recall >= 0.5


def test_german_price_contradiction():
    found = {
        (c.kind, c.first_values, c.second_values)
        for c in find_contradictions(
            [
                Passage(0, "Die Stadtwerke erhöhen den Strompreis um 12 Prozent."),
                Passage(1, "Die Strompreise der Stadtwerke steigen um 14 Prozent."),
            ]
        )
    }
    assert ("percent", ("12 Prozent",), ("14 Prozent",)) in found
