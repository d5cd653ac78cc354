"""Claim finding on three short Spanish articles on one story (written for this test): which
claims should be suggested and matched, and the figures reached. Run with -s to see them."""

import pytest

from articles.claimfinding import ArticleText, Passage, Thresholds, find_contradictions
from tests.claimfinding.evaluation import evaluate

ARTICLES = [
    (
        "El Ayuntamiento de Valencia aprobó el martes una multa de 2,5 millones de euros a la "
        "empresa de patinetes Rueda Urbana por incumplir el contrato de limpieza. "
        "Según la alcaldesa, Marta Soler, la empresa dejó de recoger los patinetes abandonados "
        "en marzo de 2024. "
        "La compañía tiene 4.000 patinetes en la ciudad y 120 empleados. "
        "Rueda Urbana anunció que recurrirá la sanción ante el tribunal. "
        "Hacía buen tiempo en la plaza."
    ),
    (
        "Valencia multa con 3 millones de euros a Rueda Urbana. "
        "El consistorio impuso el miércoles una multa de 3 millones de euros a Rueda Urbana por "
        "incumplir el contrato de limpieza, informó la alcaldesa Marta Soler. "
        "La empresa, que gestiona 4.000 patinetes en Valencia, recurrirá la sanción ante el "
        "tribunal, según un portavoz. "
        "Los vecinos se quejan desde hace meses."
    ),
    (
        "La alcaldesa de Valencia, Marta Soler, dijo que Rueda Urbana dejó de recoger los "
        "patinetes abandonados en marzo de 2024. "
        "El Ayuntamiento aprobó una multa de 2,5 millones de euros a Rueda Urbana por incumplir "
        "el contrato de limpieza. "
        "El número de usuarios creció un 40 % en un año, según datos municipales. "
        "¿Qué pasará ahora?"
    ),
]

GOLD: dict[str, dict[int, tuple[str, ...]]] = {
    "Valencia fined Rueda Urbana for breaching the cleaning contract": {
        0: ("aprobó el martes una multa de 2,5 millones",),
        1: ("impuso el miércoles una multa de 3 millones",),
        2: ("El Ayuntamiento aprobó una multa de 2,5 millones",),
    },
    "The company stopped collecting abandoned scooters in March 2024": {
        0: ("la empresa dejó de recoger los patinetes",),
        2: ("Rueda Urbana dejó de recoger los patinetes",),
    },
    "Rueda Urbana will appeal the fine in court": {
        0: ("Rueda Urbana anunció que recurrirá",),
        1: ("recurrirá la sanción ante el tribunal, según un portavoz",),
    },
    "The company has 4,000 scooters and 120 employees": {
        0: ("La compañía tiene 4.000 patinetes",),
    },
    "Users grew 40 % in a year": {2: ("creció un 40 %",)},
}


@pytest.fixture(scope="module")
def figures():
    articles = [ArticleText(i, body, "es") for i, body in enumerate(ARTICLES)]
    result = evaluate(articles, GOLD, Thresholds())
    for name, value in result.items():
        print(f"spanish, {name}: {value}")  # noqa: T201 - the figures the report quotes
    return result


def test_spanish_suggestions(figures):
    # Measured: precision 0.89, recall 0.89.
    assert figures["suggestions"].precision >= 0.8
    assert figures["suggestions"].recall >= 0.8


def test_spanish_grouping_and_matching(figures):
    # Measured: grouping precision 0.71, recall 1.00; matching precision 0.80, recall 1.00.
    assert figures["grouping"].precision >= 0.7
    assert figures["grouping"].recall >= 0.3
    assert figures["matching"].precision >= 0.7
    assert figures["matching"].recall >= 0.5


def test_spanish_fine_contradictions():
    found = {
        (c.kind, c.first_values, c.second_values)
        for c in find_contradictions(
            [
                Passage(0, "El Ayuntamiento aprobó el martes una multa de 2,5 millones de euros."),
                Passage(1, "El consistorio impuso el miércoles una multa de 3 millones de euros."),
            ]
        )
    }
    assert ("money", ("2,5 millones de euros",), ("3 millones de euros",)) in found
    assert ("date", ("martes",), ("miércoles",)) in found
