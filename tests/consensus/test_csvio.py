import io

import numpy as np
import pytest

from articles.consensus import decide, majority_vote
from articles.consensus.csvio import (
    CsvFormatError,
    read_annotations,
    read_annotations_file,
    write_consensus,
)


def parse(text, **options):
    return read_annotations(io.StringIO(text), **options)


def test_read_annotations_encodes_claims_annotators_and_sorted_labels():
    table = parse(
        "claim_id,annotator_id,label\nc2,ann1,verified\nc1,ann1,false\nc2,ann2,disputed\n"
    )
    assert table.claim_ids == ("c2", "c1")
    assert table.annotator_ids == ("ann1", "ann2")
    assert table.label_names == ("disputed", "false", "verified")
    assert table.item_idx.tolist() == [0, 1, 0]
    assert table.worker_idx.tolist() == [0, 0, 1]
    assert table.label_idx.tolist() == [2, 1, 0]
    assert table.n_votes.tolist() == [2, 1]
    assert table.n_annotations == 3


def test_read_annotations_tolerates_spaces_extra_columns_quotes_and_blank_lines():
    table = parse(
        ' label , note, claim_id ,annotator_id\n\na,"multi\nline note", c1 , x\nb,,c1,y\n'
    )
    assert table.claim_ids == ("c1",)
    assert table.label_names == ("a", "b")


def test_read_annotations_custom_columns():
    table = parse(
        "story,who,verdict\ns1,w1,yes\n",
        claim_column="story",
        annotator_column="who",
        label_column="verdict",
    )
    assert table.claim_ids == ("s1",)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["empty"]),
        ("\n\n", ["empty"]),
        ("claim_id,annotator_id,label\n", ["no annotation rows"]),
        (
            "claim,annotator_id,label\nc1,a,x\n",
            [
                "line 1",
                "missing column(s) 'claim_id'",
                "header found: 'claim', 'annotator_id', 'label'",
            ],
        ),
        ("claim_id,annotator_id,label,label\nc,a,x,y\n", ["more than once"]),
        ("claim_id,annotator_id,label\nc1,a,x\nc2,a\n", ["line 3: expected 3 fields, found 2"]),
        ("claim_id,annotator_id,label\nc1,a,x,extra\n", ["line 2: expected 3 fields, found 4"]),
        ("claim_id,annotator_id,label\nc1, ,x\n", ["line 2: empty 'annotator_id'"]),
        (
            "claim_id,annotator_id,label\n,,\n",
            ["line 2: empty 'claim_id', 'annotator_id', 'label'"],
        ),
        (
            "claim_id,annotator_id,label\nc1,a,x\nc2,a,x\nc1,a,y\n",
            ["line 4: duplicate annotation of claim 'c1' by annotator 'a' (first on line 2)"],
        ),
        # a quoted field spanning lines: the next row's number counts physical lines
        ('claim_id,annotator_id,label\nc1,a,"x\ny"\nc2,a\n', ["line 4: expected 3 fields"]),
    ],
)
def test_read_annotations_reports_problems_with_line_numbers(text, fragments):
    with pytest.raises(CsvFormatError) as info:
        parse(text, source="in.csv")
    message = str(info.value)
    assert message.startswith("in.csv:")
    for fragment in fragments:
        assert fragment in message


def test_read_annotations_collects_several_problems_and_stops_at_the_limit():
    rows = "".join(f"c{i},a\n" for i in range(30))
    with pytest.raises(CsvFormatError) as info:
        parse("claim_id,annotator_id,label\n" + rows, max_errors=5)
    assert len(info.value.problems) == 6
    assert info.value.problems[-1] == "stopped after 5 problems"


def test_read_annotations_file_handles_bom_and_bad_bytes(tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes("\ufeffclaim_id,annotator_id,label\nc1,a,x\n".encode())
    assert read_annotations_file(good).claim_ids == ("c1",)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"claim_id,annotator_id,label\nc1,a,\xff\xfe\n")
    with pytest.raises(CsvFormatError, match="cannot parse"):
        read_annotations_file(bad)


def test_write_consensus_columns_and_empty_label_for_ties():
    table = parse("claim_id,annotator_id,label\nc1,a,yes\nc1,b,yes\nc2,a,no\nc2,b,yes\n")
    post = majority_vote(table.item_idx, table.worker_idx, table.label_idx, n_items=2, n_labels=2)
    outcome = decide(post, table.n_votes, min_votes=2, threshold=0.8)
    out = io.StringIO()
    write_consensus(out, table, post, outcome)
    assert out.getvalue().splitlines() == [
        "claim_id,label,confidence,status,p_no,p_yes",
        "c1,yes,1.000000,settled,0.000000,1.000000",
        "c2,,0.500000,contested,0.500000,0.500000",
    ]
    assert np.allclose(post.probs.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # (claim, annotator, label) rows kept, in order
        ("last", [("c1", "a", "y"), ("c2", "a", "x"), ("c1", "b", "x")]),
        (
            "all",
            [
                ("c1", "a", "x"),
                ("c2", "a", "x"),
                ("c1", "a", "z"),
                ("c1", "b", "x"),
                ("c1", "a", "y"),
            ],
        ),
    ],
)
def test_read_annotations_repeated_ratings(policy, expected):
    text = "claim_id,annotator_id,label\nc1,a,x\nc2,a,x\nc1,a,z\nc1,b,x\nc1,a,y\n"
    table = parse(text, duplicates=policy)
    rows = [
        (table.claim_ids[i], table.annotator_ids[w], table.label_names[k])
        for i, w, k in zip(table.item_idx, table.worker_idx, table.label_idx, strict=True)
    ]
    assert rows == expected
    assert table.n_repeated == 2
    assert table.repeated_examples == (
        "line 4: claim 'c1' by annotator 'a' (first on line 2)",
        "line 6: claim 'c1' by annotator 'a' (first on line 2)",
    )


def test_read_annotations_rejects_an_unknown_duplicates_policy():
    with pytest.raises(ValueError, match="duplicates must be one of"):
        parse("claim_id,annotator_id,label\nc1,a,x\n", duplicates="first")
