"""Folders and zips: recursion, hidden files, limits, path traversal and zip bombs."""

import io
import struct
import zipfile

import pytest

from articles.importing import Limits, Rejection, SourceFile, count_sources, iter_path_sources
from articles.importing.sources import iter_sources_in_bytes

LIMITS = Limits(max_file_bytes=2_000, max_zip_bytes=10_000, max_zip_members=5)
TEXT = b"A headline\n\nA paragraph of article text that is long enough to keep."


def make_zip(members, *, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def reason(item):
    assert isinstance(item, Rejection), item
    return item.reason


def results(paths, limits=LIMITS):
    return list(iter_path_sources(paths, limits))


def test_iter_path_sources_walks_folders_recursively_and_skips_hidden(tmp_path):
    (tmp_path / "a.txt").write_bytes(TEXT)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "b.html").write_bytes(b"<p>x</p>")
    (tmp_path / ".hidden.txt").write_bytes(TEXT)
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "a.txt").write_bytes(b"junk")

    found = results([tmp_path])

    assert [item.name for item in found] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "sub" / "deeper" / "b.html"),
    ]
    assert count_sources([tmp_path], LIMITS) == 2


def test_iter_path_sources_rejects_missing_oversized_and_unsupported_files(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"x" * 2_001)
    (tmp_path / "notes.docx").write_bytes(b"x")

    found = results([tmp_path / "missing.txt", tmp_path / "big.txt", tmp_path / "notes.docx"])

    assert [reason(item) for item in found] == [
        "no such file or directory",
        "file too large: 2,001 bytes (limit 2,000 bytes)",
        "unsupported file type '.docx' "
        "(expected .txt, .text, .html, .htm, .xhtml, .json, .jsonl, .ndjson or .zip)",
    ]


def test_iter_path_sources_reads_zip_members(tmp_path):
    path = tmp_path / "batch.zip"
    path.write_bytes(make_zip({"one.txt": TEXT, "dir/two.json": b"{}", "dir/": b""}))

    found = results([path])

    assert [(item.name, type(item)) for item in found] == [
        (f"{path}/one.txt", SourceFile),
        (f"{path}/dir/two.json", SourceFile),
    ]
    assert count_sources([path], LIMITS) == 2


@pytest.mark.parametrize(
    "evil", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:/evil.txt"]
)
def test_iter_sources_rejects_zip_path_traversal(evil):
    data = make_zip({"ok.txt": TEXT, evil: TEXT})

    found = list(iter_sources_in_bytes("up.zip", data, LIMITS))

    assert len(found) == 1
    assert isinstance(found[0], Rejection)
    assert found[0].name == "up.zip"
    assert "unsafe path in zip" in found[0].reason
    assert "path traversal" in found[0].reason


def test_iter_sources_rejects_zip_with_too_many_members():
    data = make_zip({f"{n}.txt": TEXT for n in range(6)})

    found = list(iter_sources_in_bytes("many.zip", data, LIMITS))

    assert [reason(item) for item in found] == ["zip has 6 members (limit 5)"]


def test_iter_sources_rejects_zip_bomb_by_declared_size():
    # 12 kB of zeros compresses to a few dozen bytes; the declared total is over the limit.
    data = make_zip({"a.txt": b"0" * 1_900, "b.txt": b"0" * 1_900, "zeros.txt": b"\0" * 9_000})

    found = list(iter_sources_in_bytes("bomb.zip", data, LIMITS))

    assert len(found) == 1
    assert "possible zip bomb" in reason(found[0])
    assert len(data) < 1_000


def test_iter_sources_rejects_member_over_the_file_limit():
    data = make_zip({"big.txt": b"x" * 3_000, "ok.txt": TEXT})

    found = list(iter_sources_in_bytes("mixed.zip", data, LIMITS))

    assert isinstance(found[0], Rejection)
    assert found[0].name == "mixed.zip/big.txt"
    assert "file too large" in found[0].reason
    assert isinstance(found[1], SourceFile)


def _lie_about_size(data, name, size):
    """Rewrite the declared uncompressed size of `name` in both zip headers."""
    raw = bytearray(data)
    encoded = name.encode()
    local = raw.find(b"PK\x03\x04")
    while local != -1:
        name_len = struct.unpack_from("<H", raw, local + 26)[0]
        if raw[local + 30 : local + 30 + name_len] == encoded:
            struct.pack_into("<I", raw, local + 22, size)
        local = raw.find(b"PK\x03\x04", local + 4)
    central = raw.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", raw, central + 28)[0]
        if raw[central + 46 : central + 46 + name_len] == encoded:
            struct.pack_into("<I", raw, central + 24, size)
        central = raw.find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def test_iter_sources_stops_reading_a_member_that_expands_beyond_its_declared_size():
    data = _lie_about_size(make_zip({"liar.txt": b"A" * 50_000, "ok.txt": TEXT}), "liar.txt", 100)

    found = list(iter_sources_in_bytes("liar.zip", data, LIMITS))

    assert isinstance(found[0], Rejection)
    assert found[0].name == "liar.zip/liar.txt"
    assert isinstance(found[1], SourceFile)


def test_iter_sources_rejects_deeply_nested_zips_but_reads_one_level():
    inner = make_zip({"inner.txt": TEXT})
    deeper = make_zip({"deepest.zip": inner})
    data = make_zip({"inner.zip": inner, "deeper.zip": deeper}, compression=zipfile.ZIP_STORED)

    found = list(iter_sources_in_bytes("outer.zip", data, LIMITS))

    assert [(item.name, type(item).__name__) for item in found] == [
        ("outer.zip/inner.zip/inner.txt", "SourceFile"),
        ("outer.zip/deeper.zip/deepest.zip", "Rejection"),
    ]
    assert "zip inside a zip" in reason(found[1])


def test_iter_sources_rejects_a_corrupt_zip():
    found = list(iter_sources_in_bytes("broken.zip", b"PK\x03\x04 not really", LIMITS))

    assert reason(found[0]).startswith("not a readable zip archive")
