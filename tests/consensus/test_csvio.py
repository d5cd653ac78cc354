import csv
import io

import numpy as np
import pytest

from articles.consensus import decide, majority_vote
from articles.consensus.csvio import (
    CsvFormatError,
    read_annotations,
    read_annotations_file,
    write_consensus,
    write_consensus_file,
)
from tests.fresh import run_fresh


def parse(text, **options):
    # As `read_annotations_file` opens a file: newline="", so a bare "\r" ends a line too.
    return read_annotations(io.StringIO(text, newline=""), **options)


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


# --- the pyarrow path (read_annotations_file, write_consensus) against the reference reader ---


def same_table(left, right):
    assert left.claim_ids == right.claim_ids
    assert left.annotator_ids == right.annotator_ids
    assert left.label_names == right.label_names
    assert left.item_idx.tolist() == right.item_idx.tolist()
    assert left.worker_idx.tolist() == right.worker_idx.tolist()
    assert left.label_idx.tolist() == right.label_idx.tolist()
    assert left.n_repeated == right.n_repeated
    assert left.repeated_examples == right.repeated_examples


def crowd_text(n_rows=3000, *, newline="\n", extra=False, seed=3):
    rng = np.random.default_rng(seed)
    labels = ["verified", " Verified", "DISPUTED ", "false", "False"]
    header = "claim_id,annotator_id,label" + (',"note, quoted"' if extra else "")
    rows = [header]
    for _ in range(n_rows):
        row = f"c{rng.integers(400)}, a{rng.integers(60)} ,{labels[rng.integers(5)]}"
        rows.append(row + (',"x, ""y"""' if extra else ""))
    return newline.join(rows) + newline


@pytest.mark.parametrize("policy", ["last", "all"])
@pytest.mark.parametrize(("newline", "extra"), [("\n", False), ("\r\n", True)])
def test_read_annotations_file_fast_path_matches_reference(
    tmp_path, monkeypatch, policy, newline, extra
):
    from articles.consensus import arrowcsv

    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", 4096)  # many blocks: codes across blocks
    text = crowd_text(newline=newline, extra=extra)
    path = tmp_path / "crowd.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    fast = arrowcsv.read_annotations_fast(
        path,
        header=["claim_id", "annotator_id", "label", *(["note, quoted"] if extra else [])],
        columns=(0, 1, 2),
        duplicates=policy,
        labels=None,
        normal_label=lambda value: " ".join(value.split()).casefold(),
    )
    assert fast is not None  # a clean file never needs the slow path
    assert fast.n_repeated > 0
    same_table(fast, parse(text, duplicates=policy))
    same_table(read_annotations_file(path, duplicates=policy), fast)


def read_fast(path, header, **options):
    from articles.consensus import arrowcsv

    return arrowcsv.read_annotations_fast(
        path,
        header=header,
        columns=(0, 1, 2),
        duplicates=options.get("duplicates", "error"),
        labels=None,
        normal_label=lambda value: " ".join(value.split()).casefold(),
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_fast_path_reads_values_spanning_lines_whatever_ends_the_lines(
    tmp_path, monkeypatch, newline
):
    from articles.consensus import arrowcsv

    # A quotation mark in the rows (not only in the header) makes the parser look for values
    # spanning lines, here across its blocks too.
    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", 64)
    rows = [
        '"claim_id","annotator_id","label"',
        *(f"c{i},a{i % 3},{'yes' if i % 2 else 'no'}" for i in range(40)),
        f'"c, long{newline}claim",a1,"Yes{newline}"',
        *(f"d{i},a{i % 3},no" for i in range(40)),
    ]
    text = newline.join(rows) + newline
    path = tmp_path / "spanning.csv"
    path.write_bytes(text.encode())
    fast = read_fast(path, ["claim_id", "annotator_id", "label"])
    assert fast is not None
    assert f"c, long{newline}claim" in fast.claim_ids
    same_table(fast, parse(text))


@pytest.mark.parametrize(
    "header", ["claim_id,annotator_id,label", '"claim_id","annotator_id","label"']
)
def test_fast_path_numbers_the_lines_of_repeats_whether_or_not_the_header_is_quoted(
    tmp_path, header
):
    text = header + "\nc1,a,yes\nc2,a,no\nc1,b,no\nc1,a,no\nc3,b,yes\n"
    path = tmp_path / "repeats.csv"
    path.write_text(text, encoding="utf-8")
    fast = read_fast(path, ["claim_id", "annotator_id", "label"], duplicates="last")
    assert fast is not None
    assert fast.repeated_examples == ("line 5: claim 'c1' by annotator 'a' (first on line 2)",)
    same_table(fast, parse(text, duplicates="last"))


def test_fast_path_checks_utf8_across_its_reads(tmp_path, monkeypatch):
    from articles.consensus import arrowcsv

    # Characters of two to four bytes cut by the 5-byte reads of the UTF-8 check, in a column
    # the parser does not convert; then the same file with its last character cut short.
    monkeypatch.setattr(arrowcsv, "SCAN_BYTES", 5)
    text = "claim_id,annotator_id,label,note\n" + "".join(
        f"c{i},a,yes,caf\u00e9 \u20ac\U0001f600\n" for i in range(30)
    )
    path = tmp_path / "utf8.csv"
    path.write_bytes(text.encode())
    header = ["claim_id", "annotator_id", "label", "note"]
    fast = read_fast(path, header)
    assert fast is not None
    same_table(fast, parse(text))
    path.write_bytes(text.encode()[:-2] + b"\n")
    assert read_fast(path, header) is None
    with pytest.raises(CsvFormatError, match="cannot parse"):
        read_annotations_file(path)


def test_plain_values_are_exactly_those_stripping_leaves_as_they_are_and_ascii():
    import pyarrow as pa

    from articles.consensus import arrowcsv

    rng = np.random.default_rng(5)
    alphabet = list(" \t\n\x0b\x00\x7fa~!,\u00a0\u00e9\u2003")
    values = ["", " ", "a", "a b"] + [
        "".join(rng.choice(alphabet, size=rng.integers(0, 5))) for _ in range(5000)
    ]
    expected = [v.isascii() and v.isprintable() and v == v.strip() for v in values]
    assert arrowcsv._plain(pa.array(values)).to_pylist() == expected


def test_fast_path_merges_values_equal_once_stripped_in_order_of_first_appearance(
    tmp_path, monkeypatch
):
    from articles.consensus import arrowcsv

    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", 32)
    text = "claim_id,annotator_id,label\n" + "".join(
        f"{claim},{annotator},{label}\n"
        for claim, annotator, label in [
            (" c2", "a", "Yes"),
            ("c1", "b ", "no"),
            ("c2 ", "b", " YES "),
            ("c1", " a", "No"),
            ("c3", "a", "yes"),
            ("c2", "c", "no"),
        ]
    )
    path = tmp_path / "spaces.csv"
    path.write_text(text, encoding="utf-8")
    fast = read_fast(path, ["claim_id", "annotator_id", "label"])
    assert fast is not None
    assert list(fast.claim_ids) == ["c2", "c1", "c3"]
    assert fast.annotator_ids == ("a", "b", "c")
    assert fast.label_names == ("no", "yes")
    same_table(fast, parse(text))


@pytest.mark.parametrize(("order", "in_parts"), [("claim by claim", False), ("time order", True)])
def test_fast_path_codes_in_order_of_first_appearance_however_the_rows_are_ordered(
    tmp_path, monkeypatch, order, in_parts
):
    from articles.consensus import arrowcsv

    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", 256)  # many blocks, each claim in several
    monkeypatch.setattr(arrowcsv, "SAMPLE_ROWS", 100)
    encoded_in_parts = arrowcsv._encoded_in_parts
    calls = []

    def spied(*args):
        calls.append(args)
        return encoded_in_parts(*args)

    monkeypatch.setattr(arrowcsv, "_encoded_in_parts", spied)
    rng = np.random.default_rng(5)
    rows = [(f"c{claim}", f"a{rng.integers(30)}", "yes" if rng.random() < 0.7 else "no")
            for claim in rng.permutation(300) for _ in range(4)]  # fmt: skip
    if order == "time order":
        rows = [rows[i] for i in rng.permutation(len(rows))]
    text = "claim_id,annotator_id,label\n" + "".join(f"{c},{a},{x}\n" for c, a, x in rows)
    path = tmp_path / "ordered.csv"
    path.write_text(text, encoding="utf-8")
    fast = read_fast(path, ["claim_id", "annotator_id", "label"], duplicates="all")
    assert fast is not None
    assert bool(calls) == in_parts  # scattered claims are encoded in parts, the others whole
    first_seen = list(dict.fromkeys(claim for claim, _, _ in rows))
    assert list(fast.claim_ids) == first_seen
    assert [first_seen[i] for i in fast.item_idx.tolist()] == [claim for claim, _, _ in rows]
    same_table(fast, parse(text, duplicates="all"))


def test_a_column_encoded_in_parts_is_encoded_as_whole():
    """Values of every length (none, one byte, multi-byte characters), many sharing their last
    bytes, in blocks: the parts give the same values in the same order and the same codes."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

    from articles import arrowbuffers
    from articles.consensus import arrowcsv

    rng = np.random.default_rng(8)
    edges = ["", "x", "é", "ÿ", "ab", "b", "9", "19", "219", "Ωmega", "数据", "c\u00e9", "ce\u0301"]
    ids = [
        f"{prefix}{rng.integers(10 ** rng.integers(1, 7))}" for prefix in "ck" for _ in range(600)
    ]
    values = [
        edges[rng.integers(len(edges))] if rng.random() < 0.2 else ids[rng.integers(len(ids))]
        for _ in range(5000)
    ]
    cuts = [0, *sorted(rng.choice(np.arange(1, len(values)), size=30, replace=False).tolist())]
    column = pa.chunked_array(
        [
            arrowbuffers.texts(values[a:b])
            for a, b in zip(cuts, [*cuts[1:], len(values)], strict=True)
        ]
    )
    whole_values, whole_codes = arrowcsv._encoded(column)
    with ThreadPoolExecutor(max_workers=1) as beside:
        part_values, part_codes = arrowcsv._encoded_in_parts(column.combine_chunks(), beside)
    assert part_values.to_pylist() == whole_values.to_pylist() == list(dict.fromkeys(values))
    assert part_codes.tolist() == whole_codes.tolist()


def test_claims_are_scattered_when_few_recur_within_the_sample(monkeypatch):
    import pyarrow as pa

    from articles import arrowbuffers
    from articles.consensus import arrowcsv

    monkeypatch.setattr(arrowcsv, "SAMPLE_ROWS", 100)

    def column(values):
        return pa.chunked_array([arrowbuffers.texts(values)])

    assert arrowcsv._scattered(column([f"c{i}" for i in range(1000)]))
    assert not arrowcsv._scattered(column([f"c{i // 5}" for i in range(1000)]))  # by claim
    assert not arrowcsv._scattered(column([f"c{i % 40}" for i in range(1000)]))  # few claims
    assert not arrowcsv._scattered(column([f"c{i}" for i in range(100)]))  # all in the sample


def test_read_annotations_file_with_blank_lines_reports_repeats_on_their_lines(tmp_path):
    text = "claim_id,annotator_id,label\nc1,a,x\n\nc2,a,x\nc1,a,y\n"
    path = tmp_path / "blank.csv"
    path.write_text(text, encoding="utf-8")
    table = read_annotations_file(path, duplicates="last")
    assert table.repeated_examples == ("line 5: claim 'c1' by annotator 'a' (first on line 2)",)
    same_table(table, parse(text, duplicates="last"))


HOSTILE = [
    "",
    "\n\n",
    "claim_id,annotator_id,label\n",
    "claim,annotator_id,label\nc1,a,x\n",
    "claim_id,annotator_id,label,label\nc,a,x,y\n",
    "claim_id,annotator_id,label\nc1,a,x\nc2,a\n",
    "claim_id,annotator_id,label\nc1,a,x,extra\n",
    "claim_id,annotator_id,label\nc1, ,x\n",
    "claim_id,annotator_id,label\n,,\n",
    "claim_id,annotator_id,label\nc1,a,x\nc2,a,x\nc1,a,y\n",
    'claim_id,annotator_id,label\nc1,a,"x\ny"\nc2,a\n',
    'claim_id,annotator_id,label\nc1,a,"unterminated\n',
    "claim_id,annotator_id,label\nc1,a,x\n   \nc2,b,y\nc3,c\n",
]


def outcome_of(read):
    try:
        table = read()
    except CsvFormatError as exc:
        return ("rejected", str(exc))
    return ("read", table.claim_ids, table.label_names, table.item_idx.tolist())


@pytest.mark.parametrize("text", HOSTILE)
def test_read_annotations_file_reports_what_the_reference_reports(tmp_path, text):
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    expected = outcome_of(lambda: read_annotations(io.StringIO(text), source=str(path)))
    assert outcome_of(lambda: read_annotations_file(path)) == expected


def test_read_annotations_file_bad_bytes_in_an_extra_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"claim_id,annotator_id,label,note\nc1,a,x,ok\nc2,a,x,\xff\n")
    with pytest.raises(CsvFormatError, match="cannot parse"):
        read_annotations_file(path)


def test_read_annotations_normalises_label_case_and_whitespace():
    table = parse("claim_id,annotator_id,label\nc1,a, Verified \nc1,b,VERIFIED\nc1,c,not  sure\n")
    assert table.label_names == ("not sure", "verified")
    assert table.label_idx.tolist() == [1, 1, 0]


@pytest.mark.parametrize("reader", ["text", "file"])
def test_read_annotations_declared_labels(tmp_path, reader):
    text = "claim_id,annotator_id,label\nc1,a,Verified\nc1,b,maybe\nc2,a,false\nc2,b,Perhaps\n"
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    declared = ["verified", "disputed", "false"]
    read = {
        "text": lambda: parse(text, labels=declared, source=str(path)),
        "file": lambda: read_annotations_file(path, labels=declared),
    }[reader]
    with pytest.raises(CsvFormatError) as info:
        read()
    assert info.value.problems == (
        "line 3: label 'maybe' is not one of 'disputed', 'false', 'verified'",
        "line 5: label 'perhaps' is not one of 'disputed', 'false', 'verified'",
    )
    path.write_text("claim_id,annotator_id,label\nc1,a,Verified\nc2,a,FALSE\n", encoding="utf-8")
    table = read_annotations_file(path, labels=declared)
    assert table.label_names == ("disputed", "false", "verified")  # unused ones too
    assert table.label_idx.tolist() == [2, 1]


def csv_module_text(table, probs, outcome):
    """What the csv-module writer has always written for two labels, no and yes."""
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(["claim_id", "label", "confidence", "status", "p_no", "p_yes"])
    for i, claim in enumerate(table.claim_ids):
        code = int(outcome.labels[i])
        writer.writerow(
            [
                claim,
                "" if code < 0 else table.label_names[code],
                f"{outcome.confidence[i]:.6f}",
                ["pending", "settled", "contested"][int(outcome.status[i])],
                *(f"{p:.6f}" for p in probs[i]),
            ]
        )
    return expected.getvalue()


def test_write_consensus_fast_path_writes_what_the_csv_module_writes():
    from articles.consensus import arrowcsv
    from articles.consensus.arrays import Posteriors
    from articles.consensus.rules import Outcome

    # Values at and near the rounding boundary of the sixth decimal, and plain ones.
    values = np.array([0.0, 1.0, 0.5, 0.0000005, 0.1234565, 0.9999995, 1 / 3, 2 / 3, 0.25])
    probs = np.stack([values, 1 - values], axis=1)
    table = parse(
        "claim_id,annotator_id,label\n"
        + "".join(f"c{i},a,{'yes' if i % 2 else 'no'}\n" for i in range(values.size))
    )
    posteriors = Posteriors(
        probs=probs, labels=np.argmax(probs, axis=1), tie=np.zeros(values.size, dtype=bool)
    )
    outcome = Outcome(
        labels=np.where(values == 0.5, -1, np.argmax(probs, axis=1)),
        confidence=probs.max(axis=1),
        status=(np.arange(values.size) % 3).astype(np.int8),
    )
    chunks = arrowcsv.consensus_chunks(
        table.claim_ids, table.label_names, posteriors, outcome, precision=6
    )
    assert chunks is not None
    assert b"".join(chunks).decode("utf-8") == csv_module_text(table, probs, outcome)


def test_write_consensus_quotes_claim_ids_that_need_it():
    table = parse('claim_id,annotator_id,label\n"c,1",a,yes\n"say ""no""",a,no\n')
    post = majority_vote(table.item_idx, table.worker_idx, table.label_idx, n_items=2, n_labels=2)
    outcome = decide(post, table.n_votes, min_votes=1, threshold=0.8)
    out = io.StringIO()
    write_consensus(out, table, post, outcome)
    assert out.getvalue().splitlines()[1:] == [
        '"c,1",yes,1.000000,settled,0.000000,1.000000',
        '"say ""no""",no,1.000000,settled,1.000000,0.000000',
    ]


@pytest.mark.parametrize("precision", [0, 1, 3, 6])
@pytest.mark.parametrize("end", ["", "\n"])
def test_fixed_formats_every_value_as_python_does(precision, end):
    from articles.consensus import arrowcsv

    rng = np.random.default_rng(precision)
    values = np.concatenate(
        [
            rng.random(2000),
            rng.random(200) * 1000,  # whole parts of several digits
            -rng.random(50),
            np.round(rng.random(200), precision) + 0.5 / 10**precision,  # ties
            [0.0, 1.0, 9.9999999, 10.0, 99.5, np.nan, np.inf, -np.inf, -0.0, 5e-7, 1e300],
        ]
    )

    formatted = arrowcsv._fixed(values, precision, end=end).to_pylist()

    assert formatted == [f"{value:.{precision}f}{end}" for value in values]


@pytest.mark.parametrize("step", [1 << 16, 999])
def test_write_consensus_fast_path_over_several_steps_matches_the_csv_module(
    tmp_path, monkeypatch, step
):
    from articles.consensus import arrowcsv

    # More rows than one step of the writer (65,536 by default; 999: more steps than it builds
    # ahead), ids of varied widths.
    monkeypatch.setattr(arrowcsv, "WRITE_STEP", step)
    n = 70_001
    lines = "".join(f"c{i * 37},a{i % 7},{'yes' if i % 3 else 'no'}\n" for i in range(n))
    path = tmp_path / "many.csv"
    path.write_text("claim_id,annotator_id,label\n" + lines, encoding="utf-8")
    table = read_annotations_file(path)
    posteriors = majority_vote(
        table.item_idx, table.worker_idx, table.label_idx, n_items=n, n_labels=2
    )
    outcome = decide(posteriors, table.n_votes, min_votes=1, threshold=0.8)
    fast = io.StringIO()
    write_consensus(fast, table, posteriors, outcome)
    assert fast.getvalue() == csv_module_text(table, posteriors.probs, outcome)
    write_consensus_file(tmp_path / "out.csv", table, posteriors, outcome)
    assert (tmp_path / "out.csv").read_bytes() == fast.getvalue().encode("utf-8")


def test_write_consensus_file_quotes_what_needs_quoting_like_write_consensus(tmp_path):
    table = parse('claim_id,annotator_id,label\n"c,1",a,yes\n"c\u00e9",a,no\n')
    post = majority_vote(table.item_idx, table.worker_idx, table.label_idx, n_items=2, n_labels=2)
    outcome = decide(post, table.n_votes, min_votes=1, threshold=0.8)
    text = io.StringIO()
    write_consensus(text, table, post, outcome)
    write_consensus_file(tmp_path / "out.csv", table, post, outcome)
    assert (tmp_path / "out.csv").read_bytes() == text.getvalue().encode("utf-8")
    assert text.getvalue().splitlines()[1].startswith('"c,1",yes,')


def test_the_csv_paths_do_not_make_pyarrow_import_pandas(tmp_path):
    # pyarrow imports pandas (when installed) to convert Python or numpy values: a sixth of a
    # second of the command's time. Reading (with repeats) and writing build arrays from buffers.
    pytest.importorskip("pandas")
    path = tmp_path / "votes.csv"
    path.write_text(
        "claim_id,annotator_id,label\nc1,a, Yes\nc1,a,no\nc2,b,yes\n c3 ,b,No\n", encoding="utf-8"
    )
    script = (
        "import sys, io\n"
        "from pathlib import Path\n"
        "from articles.consensus import decide, majority_vote\n"
        "from articles.consensus.csvio import read_annotations_file, write_consensus\n"
        f'table = read_annotations_file(Path({str(path)!r}), duplicates="last")\n'
        "assert table.n_repeated == 1\n"
        "post = majority_vote(table.item_idx, table.worker_idx, table.label_idx,\n"
        "                     n_items=table.n_items, n_labels=table.n_labels)\n"
        "out = io.StringIO()\n"
        "write_consensus(out, table, post, decide(post, table.n_votes, min_votes=1,\n"
        "                threshold=0.8))\n"
        "assert out.getvalue().count('\\n') == 4, out.getvalue()\n"
        "print('pandas' in sys.modules)\n"
    )
    done = run_fresh(script)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    "body",
    [
        # the repeat's line read from the start only; what follows it does not matter
        "c1,a,yes\nc2,a,no\nc1,a,no\n\nc3,b,yes\n",
        "c1,a,yes\r\nc2,a,no\r\nc1,a,no\r\n\r\nc3,b,yes\r\n",
        'c1,a,yes\nc1,a,no\nc9,b,"multi\nline"\n',
        # before it: a blank line, a quoted value over two lines, bare carriage returns
        "c1,a,yes\n\nc2,a,no\nc1,a,no\n",
        'c0,b,"yes\nno"\nc1,a,yes\nc1,a,no\n',
        "c1,a,yes\rc2,a,no\rc1,a,no\r",
        # the repeat on the last line, with and without its newline
        "c1,a,yes\nc2,a,no\nc1,a,no",
        "c1,a,yes\nc2,a,no\nc1,a,no\n",
    ],
)
@pytest.mark.parametrize("block", [3, 4096])
def test_repeats_are_reported_on_the_lines_the_reference_reader_gives(
    tmp_path, monkeypatch, body, block
):
    from articles.consensus import arrowcsv

    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", block)  # lines cut across reads too
    text = "claim_id,annotator_id,label\n" + body
    path = tmp_path / "votes.csv"
    path.write_bytes(text.encode())

    table = read_annotations_file(path, duplicates="last")

    reference = parse(text.replace("\r\n", "\n").replace("\r", "\n"), duplicates="last")
    assert table.n_repeated == reference.n_repeated == 1
    assert table.repeated_examples == reference.repeated_examples
