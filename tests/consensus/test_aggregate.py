"""The offline `aggregate` command: CSV in, consensus CSV out, no database."""

import csv
import io
import re

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from articles.consensus import METHOD_NAMES, METHODS
from tests.consensus.simulate import hard_crowd, simulate

LABELS = ("verified", "disputed", "false")


def write_crowd_csv(path, *, n_items=200, seed=0, header=("claim_id", "annotator_id", "label")):
    crowd = simulate(n_items=n_items, n_workers=25, n_labels=3, seed=seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for item, worker, label in zip(
            crowd.item_idx, crowd.worker_idx, crowd.label_idx, strict=True
        ):
            writer.writerow([f"claim-{item}", f"annotator-{worker}", LABELS[label]])
    return crowd


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("aggregate", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_aggregate_writes_one_row_per_claim(tmp_path, method):
    source = tmp_path / "annotations.csv"
    crowd = write_crowd_csv(source)
    target = tmp_path / "consensus.csv"
    out, err = run(source, "--method", method, "--out", target)
    assert out == ""
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == crowd.n_items
    assert list(rows[0]) == [
        "claim_id",
        "label",
        "confidence",
        "status",
        "p_disputed",
        "p_false",
        "p_verified",
    ]
    for row in rows:
        assert row["status"] in {"pending", "settled", "contested"}
        assert row["label"] in {"", *LABELS}
        probabilities = [float(row[f"p_{name}"]) for name in sorted(LABELS)]
        assert sum(probabilities) == pytest.approx(1.0, abs=1e-5)
        assert float(row["confidence"]) == pytest.approx(max(probabilities))
        if row["status"] == "settled":
            assert row["label"]
            assert float(row["confidence"]) >= 0.8
    assert f"claims: {crowd.n_items}" in err
    assert "Krippendorff's alpha" in err
    assert "annotators (top and bottom 5 of 25)" in err
    assert f"method: {METHODS[method].title}" in err
    assert ("est. accuracy" in err) == METHODS[method].uses_reliability
    assert ("iterations" in err) == METHODS[method].iterative


def test_aggregate_rejects_an_unknown_method(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("claim_id,annotator_id,label\nc1,a,yes\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"invalid choice: 'bayes'.*'dawid-skene'"):
        run(source, "--method", "bayes")


def test_aggregate_writes_to_stdout_and_honours_threshold_and_minimum(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text(
        "claim_id,annotator_id,label\nc1,a,yes\nc1,b,yes\nc1,c,no\nc2,a,no\nc3,a,yes\nc3,b,no\n",
        encoding="utf-8",
    )
    out, _ = run(source, "--method", "majority", "--threshold", "0.6", "--min-annotations", "2")
    assert out.splitlines() == [
        "claim_id,label,confidence,status,p_no,p_yes",
        "c1,yes,0.666667,settled,0.333333,0.666667",
        "c2,no,1.000000,pending,1.000000,0.000000",
        "c3,,0.500000,contested,0.500000,0.500000",
    ]


def test_aggregate_uses_settings_defaults(tmp_path, settings):
    settings.FACTCHECK_CONSENSUS_THRESHOLD = 0.6
    settings.FACTCHECK_CONSENSUS_MIN_ANNOTATIONS = 1
    source = tmp_path / "a.csv"
    source.write_text(
        "claim_id,annotator_id,label\nc1,a,yes\nc1,b,yes\nc1,c,no\n", encoding="utf-8"
    )
    out, err = run(source, "--method", "majority")
    assert out.splitlines()[1].split(",")[3] == "settled"
    assert "threshold 0.6, min annotations 1" in err


def test_aggregate_custom_column_names(tmp_path):
    source = tmp_path / "custom.csv"
    crowd = write_crowd_csv(source, n_items=50, header=("story", "rater", "verdict"))
    out, _ = run(
        source,
        "--method",
        "dawid-skene",
        "--claim-column",
        "story",
        "--annotator-column",
        "rater",
        "--label-column",
        "verdict",
    )
    assert len(out.splitlines()) == crowd.n_items + 1


def test_aggregate_reports_malformed_line(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("claim_id,annotator_id,label\nc1,a,yes\nc1,b\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3: expected 3 fields, found 2"):
        run(source, "--method", "majority")


def test_aggregate_duplicates_error_names_both_lines(tmp_path):
    source = tmp_path / "dup.csv"
    source.write_text("claim_id,annotator_id,label\nc1,a,yes\nc2,a,no\nc1,a,no\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 4: duplicate .* \(first on line 2\)"):
        run(source, "--duplicates", "error")


@pytest.mark.parametrize(
    ("policy", "label", "note"),
    [("last", "no", "the last of each was used"), ("all", "", "all count")],
)
def test_aggregate_repeated_ratings_are_used_and_reported(tmp_path, policy, label, note):
    # On c1, annotator a first says yes and later no; b says no and c yes. Keeping a's last
    # rating gives no (2 to 1); counting every rating gives a 2-2 tie, reported as no label.
    source = tmp_path / "dup.csv"
    source.write_text(
        "claim_id,annotator_id,label\nc1,a,yes\nc1,b,no\nc1,c,yes\nc2,a,no\nc1,a,no\n",
        encoding="utf-8",
    )
    out, err = run(source, "--method", "majority", "--duplicates", policy, "--min-annotations", "1")
    rows = {row["claim_id"]: row for row in csv.DictReader(io.StringIO(out))}
    assert rows["c1"]["label"] == label
    assert f"note: 1 repeated rating(s) of a claim by the same annotator; {note}" in err
    assert "line 6: claim 'c1' by annotator 'a' (first on line 2)" in err


def test_aggregate_reports_missing_columns_with_header_found(tmp_path):
    source = tmp_path / "cols.csv"
    source.write_text("claim,annotator_id,label\nc1,a,yes\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"header found: 'claim', 'annotator_id', 'label'"):
        run(source)


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"), ("claim_id,annotator_id,label\n", "no annotation rows")],
)
def test_aggregate_rejects_empty_input(tmp_path, content, message):
    source = tmp_path / "empty.csv"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(source)


def test_aggregate_missing_file_is_a_clean_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "nope.csv")


@pytest.mark.parametrize("where", ["missing-dir/out.csv", "."])
def test_aggregate_output_it_cannot_write_is_a_clean_error(tmp_path, monkeypatch, where):
    source = tmp_path / "annotations.csv"
    write_crowd_csv(source, n_items=20)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=r"cannot write .*(No such file|Is a directory)"):
        run(source, "--out", where)
    assert not (tmp_path / "missing-dir").exists()


@pytest.mark.parametrize(("option", "value"), [("--threshold", "1.5"), ("--min-annotations", "-1")])
def test_aggregate_rejects_bad_options(tmp_path, option, value):
    source = tmp_path / "a.csv"
    source.write_text("claim_id,annotator_id,label\nc1,a,yes\n", encoding="utf-8")
    with pytest.raises(CommandError, match=option):
        run(source, option, value)


def test_aggregate_single_label_file(tmp_path):
    source = tmp_path / "one.csv"
    source.write_text(
        "claim_id,annotator_id,label\nc1,a,yes\nc1,b,yes\nc1,c,yes\n", encoding="utf-8"
    )
    out, err = run(source, "--method", "dawid-skene")
    assert out.splitlines() == [
        "claim_id,label,confidence,status,p_yes",
        "c1,yes,1.000000,settled,1.000000",
    ]
    assert "n/a" in err  # alpha undefined with one label


def test_aggregate_does_not_touch_the_database(tmp_path):
    # No django_db mark: pytest-django's blocker turns any database access into an error.
    source = tmp_path / "a.csv"
    write_crowd_csv(source, n_items=30)
    out, _ = run(source, "--method", "weighted")
    assert len(out.splitlines()) == 31


def write_gold_csv(path, crowd, *, share=0.3, seed=0):
    known = crowd.gold(share, seed=seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "label"])
        for item in np.flatnonzero(known >= 0):
            writer.writerow([f"claim-{item}", LABELS[known[item]]])
    return known


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_aggregate_gold_fixes_known_claims_and_reports_cross_validated_calibration(
    tmp_path, method
):
    source = tmp_path / "annotations.csv"
    crowd = write_crowd_csv(source, n_items=400)
    gold = tmp_path / "gold.csv"
    known = write_gold_csv(gold, crowd)
    out, err = run(source, "--method", method, "--gold", gold)
    rows = {row["claim_id"]: row for row in csv.DictReader(io.StringIO(out))}
    for item in np.flatnonzero(known >= 0):
        row = rows[f"claim-{item}"]
        assert row["label"] == LABELS[known[item]]
        assert float(row["confidence"]) == 1.0
    n_known = int((known >= 0).sum())
    assert f"known answers: {n_known} claims ({n_known} rows)" in err
    assert f"5-fold cross-validation, {n_known} claims" in err
    assert "calibration error (ECE, 10 bins) 0." in err
    assert re.search(r"accuracy of settled [01]\.\d{3}", err)


def test_aggregate_gold_report_is_honest_about_an_overconfident_crowd(tmp_path):
    # On a hard crowd, plain Dawid-Skene's settled claims fall short of the threshold on the
    # known answers and the report says so; the calibrated method's keep the promise.
    crowd = hard_crowd(n_items=3000, seed=4)
    source = tmp_path / "annotations.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "annotator_id", "label"])
        for item, worker, label in zip(
            crowd.item_idx, crowd.worker_idx, crowd.label_idx, strict=True
        ):
            writer.writerow([f"claim-{item}", f"annotator-{worker}", LABELS[label]])
    gold = tmp_path / "gold.csv"
    write_gold_csv(gold, crowd, share=0.2)
    _, plain = run(source, "--method", "dawid-skene", "--gold", gold)
    _, calibrated = run(source, "--method", "calibrated", "--gold", gold)
    assert "WARNING: below the threshold 0.8" in plain
    assert "WARNING" not in calibrated
    assert "temperature" in calibrated
    assert "fitted on known answers" in calibrated


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("claim,label\nclaim-1,false\n", "missing column(s) 'claim_id'"),
        ("claim_id,label\n", "no known-answer rows"),
        ("claim_id,label\nclaim-1\n", "line 2: expected 2 fields, found 1"),
        ("claim_id,label\nclaim-1, \n", "line 2: empty 'label'"),
        ("claim_id,label\nclaim-1,maybe\n", "line 2: label 'maybe' is not one of"),
        (
            "claim_id,label\nclaim-1,false\nclaim-1,verified\n",
            "line 3: claim 'claim-1' is given 'verified' here and 'false' on line 2",
        ),
        (b"claim_id,label\nclaim-1,\xff\n", "cannot parse"),
    ],
)
def test_aggregate_gold_rejects_malformed_files_with_a_clear_error(tmp_path, content, message):
    source = tmp_path / "annotations.csv"
    write_crowd_csv(source, n_items=50)
    gold = tmp_path / "gold.csv"
    if isinstance(content, bytes):
        gold.write_bytes(content)
    else:
        gold.write_text(content, encoding="utf-8")
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="invalid known-answer CSV") as error:
        run(source, "--gold", gold, "--out", target)
    assert message in str(error.value)
    assert not target.exists()  # nothing written from a bad run


def test_aggregate_gold_notes_unmatched_claims_and_missing_file(tmp_path):
    source = tmp_path / "annotations.csv"
    write_crowd_csv(source, n_items=50)
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "claim_id,label\nclaim-1,false\nclaim-1,false\nelsewhere,verified\n", encoding="utf-8"
    )
    _, err = run(source, "--gold", gold)
    assert "known answers: 1 claims (3 rows)" in err
    assert "1 known-answer claim(s) have no annotations and were left out. First: elsewhere" in err
    with pytest.raises(CommandError, match="cannot read"):
        run(source, "--gold", tmp_path / "missing.csv")


def test_aggregate_declared_labels_reject_others_and_get_columns(tmp_path):
    source = tmp_path / "labels.csv"
    source.write_text(
        "claim_id,annotator_id,label\nc1,a, Verified\nc1,b,VERIFIED\nc2,a,true\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"line 4: label 'true' is not one of 'disputed'"):
        run(source, "--labels", "verified,disputed,false")
    source.write_text(
        "claim_id,annotator_id,label\nc1,a, Verified\nc1,b,VERIFIED\n", encoding="utf-8"
    )
    out, _ = run(
        source,
        "--method",
        "majority",
        "--labels",
        "verified, disputed,false",
        "--min-annotations",
        "1",
    )
    assert out.splitlines() == [
        "claim_id,label,confidence,status,p_disputed,p_false,p_verified",
        "c1,verified,1.000000,settled,0.000000,0.000000,1.000000",
    ]


def test_aggregate_rejects_an_empty_label_list(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("claim_id,annotator_id,label\nc1,a,yes\n", encoding="utf-8")
    with pytest.raises(CommandError, match="at least one label"):
        run(source, "--labels", " , ")
