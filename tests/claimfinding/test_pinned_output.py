"""Claim finding's output pinned on a varied multilingual sample: every sentence's offsets, score
and reasons, every value found in it, and the matches and groups of the batch, compared with
`pinned_output.json` (captured from the implementation before the scorer, the segmenter and the
matcher were reworked for speed). A change of any figure, reason, offset or similarity fails.

After a deliberate change of the output, regenerate the file with
`python -m tests.claimfinding.test_pinned_output` and review the diff.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

from articles.claimfinding import (
    ArticleText,
    ClaimText,
    Thresholds,
    batch_candidates,
    clear_caches,
    normalise,
    plan_batch,
    split_sentences,
)
from articles.claimfinding.values import extract_values
from tests.claimfinding import (
    test_french_evaluation,
    test_german_evaluation,
    test_spanish_evaluation,
)

FIXTURE = Path(__file__).with_name("pinned_output.json")

# Sentences of many shapes and languages: money, percentages, figures with scales and
# separators, dates of every form, weekdays, names (with connectors, possessives, in Greek and
# Cyrillic), quotations, attributions and list phrases, questions, hedges, odd whitespace, the
# characters the code joins texts with, very short and very long sentences.
SENTENCES = [
    "Microsoft agreed to pay $42,000 to settle the lawsuit, its spokesperson said on Monday.",
    "According to Elon Musk, Microsoft illegally trained its AI on Twitter data.",
    "\u201cLawsuit time,\u201d Musk tweeted on April 20th, 2023.",
    "The company's revenue rose 12.5% to \u20ac3.2 billion in the first quarter of 2024.",
    "Bank of America fined 10bn dollars over breaches of the law, the regulator confirmed.",
    "Prices fell by more than 40 per cent between 2019 and 2021, figures show.",
    "Is this really the largest fine ever imposed?",
    "I think it might rain tomorrow.",
    "Perhaps the mayor should resign.",
    "Yes.",
    "Stealing the data was easy, she said.",
    "Reportedly, the deal collapsed because of rising costs.",
    "The court in Leeds sentenced Peter O'Neill to 3 years on 2023-04-20.",
    "Unemployment reached 7,3 % in M\u00e4rz 2024, sagte die Ministerin Lena Berg.",
    "Laut Statistischem Bundesamt stiegen die Preise um 2,5 Prozent.",
    "Die Klage wurde am 20.04.2023 vor dem Landgericht Hamburg eingereicht.",
    "El Gobierno aprob\u00f3 el martes una multa de 2,5 millones de euros a Iberdrola.",
    "Seg\u00fan la ministra, el paro baj\u00f3 un 3 % en abril de 2024 debido a la temporada.",
    "\u00bfQui\u00e9n pagar\u00e1 la factura?",
    "Le tribunal de Lyon a condamn\u00e9 la soci\u00e9t\u00e9 \u00e0 une amende de 1,5 million "
    "d'euros.",
    "Selon l'Insee, le ch\u00f4mage a baiss\u00e9 de 0,3 point au troisi\u00e8me trimestre.",
    "Il governo ha annunciato che il 40 per cento delle imprese ricever\u00e0 aiuti.",
    "Secondo la Banca d'Italia, il debito ha superato i 2.800 miliardi di euro.",
    "O presidente Lula disse que o Brasil vai investir R$ 10 bilh\u00f5es em 2025.",
    "Volgens het CBS is de werkloosheid in mei gestegen tot 3,9 procent.",
    "\u039f \u03a0\u03c1\u03c9\u03b8\u03c5\u03c0\u03bf\u03c5\u03c1\u03b3\u03cc\u03c2 "
    "\u039a\u03c5\u03c1\u03b9\u03ac\u03ba\u03bf\u03c2 \u039c\u03b7\u03c4\u03c3\u03bf\u03c4\u03ac"
    "\u03ba\u03b7\u03c2 met Ursula von der Leyen in Brussels on Friday.",
    "\u0412\u043b\u0430\u0434\u0438\u043c\u0438\u0440 \u0417\u0435\u043b\u0435\u043d\u0441\u043a"
    "\u0438\u0439 said Ukraine received 150 tanks, a record.",
    "Sales doubled to 1.234.567 units, up from 600 000 last year.",
    "The fund lost \u00a35m, or about 6 percent, after the ban.",
    "He said 'the numbers are wrong' and walked out.",
    "It's unclear whether the plan will work, and we'll have to see.",
    "In conclusion, the report is worth noting.",
    "Apple\u2019s chief executive Tim Cook said iPhone sales grew 9 percent.",
    "The U.S. Federal Reserve raised rates by 0.25 percentage points on Wednesday.",
    "Tesla, Inc. recalled 2 million cars in the U.S. and Canada, the NHTSA said.",
    "Heavy rain\u00a0hit Porto\u202fon Sunday, causing floods.",
    "Tabs\there and  double  spaces   stay  in the text of Grace Byrne.",
    "A line with the join character \ua66e inside it, said Omar Haddad, cost $5.",
    "A line with a NUL \x00 inside it reported 12 cases in Graz.",
    "Shares jumped 30% \u2014 the biggest rise since 2008 \u2014 after the ruling by judge Ana "
    "Silva.",
    "The union leader warned that 4,000 jobs could go by 2026 due to the merger.",
    "More than half of the 2,000 workers voted in favour, the union said on Thursday.",
    "The minister denied that the government had misled parliament about the \u00a3350m figure.",
    "Officials estimated the damage at between $3bn and $5bn.",
    " ".join(["word"] * 80) + " said Ravi Chen.",
    "Headline Without A Full Stop",
    "- a bullet point about 15% growth",
    "Klaus Schmidt (AG) and Julia Rossi of the European Central Bank met.",
    "Sales were 3,5 Mrd. Euro, says Vorstandschef Klaus M\u00fcller.",
    "On 5 May the Mayor of London, Sadiq Khan, announced a \u00a31.2bn plan.",
    "The decline was caused by a 20 per cent drop in exports in June.",
    "Il faut que l'\u00c9tat agisse, estime le pr\u00e9sident de la r\u00e9gion.",
    "Ik denk dat de regering moet aftreden, zei Mark Rutte dinsdag.",
    "Who said that?",
    "Nothing to see here at all today, really nothing.",
]

CLAIMS = [
    "Microsoft will pay $42,000 to settle the Twitter data lawsuit.",
    "Musk accused Microsoft of illegally training AI on Twitter data.",
    "Revenue rose 12.5% to 3.2 billion euros in 2024.",
    "La multa a Iberdrola es de 2,5 millones de euros.",
    "Die Preise stiegen um 2,5 Prozent.",
    "4,000 jobs could go by 2026 because of the merger.",
]


def _articles() -> list[ArticleText]:
    """The other-language test articles, the sentences above one per line and in paragraphs,
    and articles mixing them at random (the same sentences told by several "outlets", with
    some figures changed)."""
    articles = [
        *(ArticleText(0, body, "es") for body in test_spanish_evaluation.ARTICLES),
        *(ArticleText(0, body, "de") for body in test_german_evaluation.ARTICLES),
        *(ArticleText(0, body, "fr") for body in test_french_evaluation.ARTICLES),
        ArticleText(0, "\n".join(SENTENCES), ""),
        ArticleText(0, "Title line\n\n" + " ".join(SENTENCES) + "\r\n", "en"),
    ]
    rng = random.Random(12)
    for _ in range(100):
        picked = rng.sample(SENTENCES, rng.randint(2, 14))
        picked = [
            s.replace("2,5", str(rng.randint(2, 9))) if rng.random() < 0.2 else s for s in picked
        ]
        lines: list[str] = []
        while picked:
            size = rng.randint(1, 4)
            lines.append(" ".join(picked[:size]))
            picked = picked[size:]
        language = rng.choice(["", "en", "es", "de", "fr", "it", "pt", "nl"])
        articles.append(ArticleText(0, "\n\n".join(lines), language))
    return [ArticleText(i, a.body, a.language) for i, a in enumerate(articles)]


def _output() -> dict[str, Any]:
    clear_caches()
    articles = _articles()
    everything = batch_candidates(articles, min_score=-100.0)
    sentences = [[c.article_id, c.start, c.end, c.score, list(c.reasons)] for c in everything]
    values = {
        sentence.text: [
            [v.kind.value, repr(v.key), v.start, v.end] for v in extract_values(sentence.text)
        ]
        for article in articles
        for sentence in split_sentences(article.body, article.language)
    }
    clear_caches()
    thresholds = Thresholds()
    candidates = batch_candidates(articles, min_score=thresholds.match, explain_from=2.0)
    claims = [ClaimText(i, text) for i, text in enumerate(CLAIMS)]
    plan = plan_batch(candidates, claims, thresholds=thresholds)
    return {
        "sentences": sentences,
        "values": [[text, found] for text, found in sorted(values.items())],
        # The rest of each candidate is in "sentences"; which carry their reasons.
        "candidates": [[c.article_id, c.start, bool(c.reasons)] for c in candidates],
        "matches": [
            [m.candidate.article_id, m.candidate.start, m.claim_id, m.similarity]
            for m in plan.matches
        ],
        "groups": [
            [[[c.article_id, c.start] for c in g.members], list(g.similarities)]
            for g in plan.groups
        ],
    }


def _normalised(output: dict[str, Any]) -> dict[str, Any]:
    # Through JSON, as the fixture was written (tuples become lists).
    return json.loads(json.dumps(output))


def test_output_is_unchanged():
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    found = _normalised(_output())
    assert len(found["sentences"]) > 800
    assert found["matches"]
    assert any(len(g[0]) > 1 for g in found["groups"])
    for part in ("sentences", "values", "candidates", "matches", "groups"):
        assert len(found[part]) == len(expected[part]), part
        for got, want in zip(found[part], expected[part], strict=True):
            assert got == want, part


if __name__ == "__main__":
    output = _output()
    with FIXTURE.open("w", encoding="utf-8") as file:
        file.write("{\n")
        for number, (part, rows) in enumerate(output.items()):
            file.write(f'"{part}": [\n')
            file.write(",\n".join(json.dumps(row, ensure_ascii=False) for row in rows))
            file.write("\n]" + ("," if number < len(output) - 1 else "") + "\n")
        file.write("}\n")


def test_normalise_collapses_whitespace_as_the_pattern_did():
    # `normalise` collapsed whitespace with `re.sub(r"\s+", " ", ...).strip()`; it now splits on
    # whitespace. The same for every character either counts as whitespace, and every sentence.
    def before(text: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()

    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace() or re.match(r"\s", chr(c))]
    assert len(spaces) > 20
    texts = [f"{c}A{c}{c}b {c}\u00e7{c}" for c in spaces]
    texts += [s.text for a in _articles() for s in split_sentences(a.body, a.language)]
    for text in texts:
        assert normalise(text) == before(text), repr(text)
