"""The table of import formats: every reader is registered once, and the walker, the dispatch,
the messages, the command and the admin upload page all read the table."""

import json
from dataclasses import replace

import pytest

from articles.importing import (
    Limits,
    ParsedArticle,
    SourceFile,
    formats,
    iter_path_sources,
    parse_source,
)
from articles.importing.formats import FORMATS, ImportFormat
from articles.models import Article

BODY = (
    "The harbour authority said on Monday that 1,200 containers were delayed by the strike. "
    "Its director, Ines Vidal, said the backlog would clear within ten days."
)
# One small file per registered format: registering a format without a sample fails below.
SAMPLES = {
    "text": f"Harbour strike delays containers\n\n{BODY}",
    "html": (
        "<html lang='en'><head><title>Harbour strike delays containers</title></head><body>"
        f"<article><h1>Harbour strike delays containers</h1><p>{BODY}</p><p>{BODY}</p>"
        "</article></body></html>"
    ),
    "json": json.dumps({"title": "Harbour strike delays containers", "body": BODY}),
    "jsonl": json.dumps({"title": "Harbour strike delays containers", "body": BODY}),
}
LIMITS = Limits(max_file_bytes=100_000, max_zip_bytes=1_000_000, max_zip_members=10)


def test_formats_each_has_a_sample_and_unique_lower_case_suffixes():
    assert sorted(SAMPLES) == sorted(f.name for f in FORMATS)
    suffixes = [suffix for f in FORMATS for suffix in f.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert formats.by_suffix().keys() == set(suffixes)


@pytest.mark.parametrize(
    ("import_format", "suffix"),
    [(f, suffix) for f in FORMATS for suffix in f.suffixes],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_parse_source_reads_every_registered_suffix_into_a_stored_format(import_format, suffix):
    outcomes = parse_source(SourceFile(f"a{suffix.upper()}", SAMPLES[import_format.name].encode()))

    assert len(outcomes) == 1
    article = outcomes[0]
    assert isinstance(article, ParsedArticle), article
    assert article.title == "Harbour strike delays containers"
    # What a reader stores must be a choice of the model (else every import would be rejected).
    assert article.source_format in Article.SourceFormat.values


def test_accept_attribute_and_messages_list_every_suffix_and_media_type():
    accept = formats.accept_attribute().split(",")
    expected = formats.expected_files()

    for import_format in FORMATS:
        for suffix in import_format.suffixes:
            assert suffix in accept
            assert suffix in expected
        for media_type in import_format.media_types:
            assert media_type in accept
        assert import_format.label in formats.formats_help()
    assert ".zip" in accept
    assert "application/zip" in accept
    assert expected.endswith(" or .zip")
    assert formats.unsupported_reason("notes.docx") == (
        f"unsupported file type '.docx' (expected {expected})"
    )
    assert formats.unsupported_reason("batch.ZIP") is None


def test_parse_source_rejects_unsupported_files_and_archives_by_name():
    [docx] = parse_source(SourceFile("notes.docx", b"text"))
    [archive] = parse_source(SourceFile("batch.zip", b"PK"))

    assert docx.reason.startswith("unsupported file type '.docx'")
    assert archive.reason == "an archive must be unpacked first"


def test_a_registered_format_is_walked_dispatched_and_listed(monkeypatch, tmp_path):
    """Adding a format is one entry in the table: here Markdown, read as plain text."""

    def read_markdown(name, text):
        return formats.readers.read_text(name, text.replace("# ", "", 1))

    markdown = ImportFormat(
        name="markdown",
        label="Markdown",
        suffixes=(".md",),
        media_types=("text/markdown",),
        reader=read_markdown,
        help="the first heading is the headline",
    )
    (tmp_path / "story.md").write_text(f"# Harbour strike delays containers\n\n{BODY}")
    assert formats.format_for("story.md") is None

    monkeypatch.setattr(formats, "FORMATS", (*FORMATS, markdown))
    [source] = list(iter_path_sources([tmp_path], LIMITS))
    assert isinstance(source, SourceFile)
    [article] = parse_source(source)

    assert isinstance(article, ParsedArticle)
    assert article.title == "Harbour strike delays containers"
    assert ".md" in formats.expected_files()
    assert "text/markdown" in formats.accept_attribute()
    assert "Markdown (.md): the first heading is the headline" in formats.formats_help()


def test_a_suffix_registered_twice_is_refused(monkeypatch):
    twice = replace(FORMATS[0], name="again")
    monkeypatch.setattr(formats, "FORMATS", (*FORMATS, twice))

    with pytest.raises(ValueError, match="registered twice"):
        formats.format_for("a.txt")


def test_command_help_and_upload_form_read_the_table():
    from articles.admin.imports import ImportUploadForm
    from articles.management.commands.import_articles import Command

    form = ImportUploadForm()
    widget = form.fields["uploads"].widget

    assert widget.attrs["accept"] == formats.accept_attribute()
    assert formats.expected_files() in str(form.fields["uploads"].help_text)
    assert formats.expected_files() in Command.help
    assert formats.formats_help() in Command.help
