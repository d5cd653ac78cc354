import pytest

from articles.claimfinding import score_sentence, score_sentences
from articles.claimfinding.worthiness import WEIGHTS


def _features(sentence):
    return {reason.feature for reason in score_sentence(sentence).reasons}


@pytest.mark.parametrize(
    ("sentence", "features"),
    [
        ("Microsoft invested $10 billion in OpenAI last year.", {"money amount"}),
        (
            "Unemployment fell to 4.2 percent in March 2024, the ministry said.",
            {"percentage", "date", "attribution", "comparison"},
        ),
        (
            "The company was sued for copyright infringement because it copied the data.",
            {"legal language", "causal language"},
        ),
        ("“We will not pay,” the spokesperson told reporters.", {"quotation", "attribution"}),
        ("Laut dem Ministerium stieg die Zahl auf 57.000 Fälle.", {"attribution", "figure"}),
        (
            "Según el gobierno, la multa fue de 3 millones de euros.",
            {"attribution", "legal language", "money amount"},
        ),
    ],
)
def test_score_sentence_finds_features(sentence, features):
    assert features <= _features(sentence)


def test_score_is_sum_of_reason_weights_and_reasons_are_readable():
    worthiness = score_sentence("Microsoft invested $10 billion in OpenAI, the company said.")
    assert worthiness.score == pytest.approx(sum(r.weight for r in worthiness.reasons))
    labels = [str(r) for r in worthiness.reasons]
    assert "money amount: $10 billion (+2)" in labels
    assert labels[0].startswith("money amount")  # strongest first


@pytest.mark.parametrize(
    ("sentence", "penalty"),
    [
        ("Did Microsoft really invest $10 billion in OpenAI last year?", "question"),
        ("In my opinion, the deal with OpenAI should be reviewed again soon.", "hedge or opinion"),
        ("Read more.", "too short"),
    ],
)
def test_score_sentence_penalties(sentence, penalty):
    reasons = {r.feature: r for r in score_sentence(sentence).reasons}
    assert reasons[penalty].weight == WEIGHTS[penalty] < 0


def test_checkable_sentence_outranks_filler():
    claim = score_sentence(
        "On April 20, 2023, Musk accused Microsoft of illegally using Twitter data."
    )
    filler = score_sentence("There are also concerns about the power of large tech companies.")
    assert claim.score > filler.score + 2


SENTENCES = [
    "Microsoft invested $10 billion in OpenAI last year, the company said.",
    "“Stealing the Twitter database is not a winning solution”, Musk has declared.",
    "Laut dem Ministerium stieg die Zahl am 3. Mai 2024 um 12 Prozent auf 57.000 Fälle.",
    "El Ayuntamiento de Valencia aprobó el martes una multa de 2,5 millones de euros.",
    "Did the Bank of America really pay 20.04.2023 fees?",
    "",
    "Read more.",
    "The separator letter \ua66e is no problem, Elon Musk said on Wednesday.",
]


def test_sentences_score_the_same_alone_and_together():
    together = score_sentences(SENTENCES)
    for i, sentence in enumerate(SENTENCES):
        alone = score_sentence(sentence)
        assert together.scores[i] == alone.score, sentence
        assert together.reasons(i) == alone.reasons, sentence


def test_names_are_runs_of_capitalised_words_counted_once():
    reasons = {
        r.feature: r
        for r in score_sentence(
            "Elon Musk met the Bank of America, then Musk\u2019s lawyers and Musk left for Texas."
        ).reasons
    }
    names = reasons["named organisations or people"]
    assert names.detail == "Elon Musk, Bank of America, Musk\u2019s, …"
    assert names.weight == 3 * WEIGHTS["named organisation or person"]
    # "Musk" and "Musk's" are one name; "Texas" the third.
    two = {r.feature: r for r in score_sentence("Musk said Musk\u2019s firm would sue.").reasons}
    assert two["named organisations or people"].weight == WEIGHTS["named organisation or person"]


def test_a_verb_opening_a_sentence_is_no_name():
    reasons = {
        r.feature: r
        for r in score_sentence("“Stealing the Twitter database is wrong”, Musk said.").reasons
    }
    assert reasons["named organisations or people"].detail == "Twitter, Musk"


TOKENS = (
    "said said, said. said: M\u00fcller's M\u00fcller\u2019s \u201cLawsuit Lawsuit\u201d Musk:"
    " (Bank) 42,000 $42,000 42$ 5\u20ac 100% 12.5%, x% a_ _a abc1 abc1, 2023. Stealing, Reportedly,"
    " April, Montag; euros, of, Of. and; & &, \u2014 ... - rock' 'rock it's it\u2019s \u2019s"
    " peut-\u00eatre, \u00bfQu\u00e9? \u00a1S\u00ed! Illegally, \u0391\u0398\u0397\u039d\u0391,"
    " \u041c\u043e\u0441\u043a\u0432\u0430. x\u201d"
)


def test_token_table_holds_what_token_info_works_out():
    # The table of known tokens takes shortcuts for words of letters alone or with one mark
    # after them: the same entries as `_token_info` for every token.
    from articles.claimfinding import clear_caches, worthiness
    from articles.claimfinding.vocabulary import SEPARATOR, VOCABULARY

    tokens = [
        *TOKENS.split(),
        SEPARATOR,
        f"{SEPARATOR},",
        f"a{SEPARATOR}b.",
    ]
    clear_caches()
    ids = VOCABULARY.ids(tokens)
    known = worthiness._known()
    expected = [worthiness._token_info(token) for token in tokens]
    clear_caches()
    assert [(int(known.infos[i]), known.cores[i]) for i in ids.tolist()] == expected


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Did the mayor really say that?", True),
        ("Did the mayor really say that ?", True),
        ("Did the mayor really say that? ", False),
        ("Did the mayor say “why?”", False),
        ("Why? The mayor did not say.", False),
        ("?", True),
        ("", False),
    ],
)
def test_question_is_a_text_ending_with_a_question_mark(text, question):
    assert ("question" in _features(text)) is question
    together = score_sentences(["A sentence before.", text, "", "After?"])
    assert ("question" in {r.feature for r in together.reasons(1)}) is question


def test_phrases_are_found_within_one_sentence_only():
    texts = [
        "Prices were up more",
        "than ever, according",
        "to the mayor.",
        "It rose more than 5 times.",
        "Prices were up more than ever, according to the mayor.",
        "It all happened as a",
        "result of the storm.",
        "It all happened as a result of the storm.",
    ]
    scored = score_sentences(texts)
    found = [{r.feature: r.detail for r in scored.reasons(i)} for i in range(len(texts))]
    assert "comparison" not in found[0]
    assert "attribution" not in found[1]
    assert found[2]["comparison"] == "mayor"  # (Spanish "mayor": greater)
    assert found[3]["comparison"] == "rose, more than"
    assert found[4]["comparison"] == "mayor, more than"
    assert found[4]["attribution"] == "according to"
    assert "causal language" not in found[5]
    assert found[6]["causal language"] == "result of"
    assert found[7]["causal language"] == "result of, as a result"


def test_reason_texts_of_no_sentences_is_empty():
    from articles.claimfinding import score_sentences

    assert score_sentences([]).reason_texts([]) == []
    assert score_sentences(["The mayor said costs rose 5%."]).reason_texts([]) == []
