"""Walk paths, folders and zips into `SourceFile`s (or `Rejection`s), enforcing size limits.

Zips are checked before anything is read: path traversal, member count and the declared total
size; while reading, a member that yields more bytes than declared or than the limits stops the
read (zip bombs lie about their sizes).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from articles.importing.formats import is_archive, unsupported_reason
from articles.importing.types import Limits, Rejection, SourceFile


def megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB" if size >= 100 * 1024 else f"{size:,} bytes"


def is_hidden(parts: Sequence[str]) -> bool:
    """Dotfiles, OS litter and macOS resource forks: never articles, never reported."""
    return any(part.startswith(".") or part in {"__MACOSX", "Thumbs.db"} for part in parts)


@dataclass(frozen=True)
class _PlainFile:
    path: Path
    name: str


@dataclass(frozen=True)
class _Zip:
    name: str
    path: Path | None
    data: bytes | None


_Planned = _PlainFile | _Zip | Rejection | SourceFile


def _plan_paths(paths: Sequence[Path], limits: Limits) -> Iterator[_Planned]:
    for path in paths:
        if not path.exists():
            yield Rejection(str(path), "no such file or directory")
        elif path.is_dir():
            found = False
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if child.is_dir() or is_hidden(relative.parts):
                    continue
                found = True
                yield from _plan_file(child, str(path / relative), limits)
            if not found:
                yield Rejection(str(path), "the folder contains no files")
        else:
            yield from _plan_file(path, str(path), limits)


def _plan_file(path: Path, name: str, limits: Limits) -> Iterator[_Planned]:
    reason = unsupported_reason(name)
    if reason:
        yield Rejection(name, reason)
        return
    size = path.stat().st_size
    if is_archive(name):
        if size > limits.max_zip_bytes:
            yield Rejection(
                name, f"zip too large: {megabytes(size)} (limit {megabytes(limits.max_zip_bytes)})"
            )
        else:
            yield _Zip(name, path, None)
    elif size > limits.max_file_bytes:
        yield Rejection(name, _too_large(size, limits))
    else:
        yield _PlainFile(path, name)


def _too_large(size: int, limits: Limits) -> str:
    return f"file too large: {megabytes(size)} (limit {megabytes(limits.max_file_bytes)})"


def _open_zip(item: _Zip) -> zipfile.ZipFile:
    if item.path is not None:
        return zipfile.ZipFile(item.path)
    return zipfile.ZipFile(io.BytesIO(item.data or b""))


def _unsafe(name: str) -> bool:
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return True
    return ".." in normalised.split("/")


def _zip_members(zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo] | str:
    """The members to import, or the reason the whole archive is rejected."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        return f"zip has {len(infos):,} members (limit {limits.max_zip_members:,})"
    for info in infos:
        if _unsafe(info.filename):
            return f"unsafe path in zip: '{info.filename}' (path traversal or absolute path)"
    members = [
        info
        for info in infos
        if not info.is_dir() and not is_hidden(info.filename.replace("\\", "/").split("/"))
    ]
    declared = sum(info.file_size for info in members)
    if declared > limits.max_zip_bytes:
        return (
            f"zip would expand to {megabytes(declared)} "
            f"(limit {megabytes(limits.max_zip_bytes)}): refusing a possible zip bomb"
        )
    if not members:
        return "the zip contains no files"
    return members


# The file-type bits of a member's Unix mode (the high half of its external attributes).
_FILE_TYPE = 0o170000
_SYMLINK = 0o120000


def _member_problem(info: zipfile.ZipInfo, counts: Counter[str]) -> str | None:
    """Why one member is refused whatever its content: a symbolic link (its content is a path on
    the machine that made the zip), or a name the zip holds twice (which one is meant?)."""
    if (info.external_attr >> 16) & _FILE_TYPE == _SYMLINK:
        return "the zip member is a symbolic link, not a file"
    if counts[info.filename] > 1:
        return f"the zip holds '{info.filename}' more than once: unclear which one is meant"
    return None


def _zip_sources(item: _Zip, limits: Limits, *, nested: bool) -> Iterator[SourceFile | Rejection]:
    try:
        zf = _open_zip(item)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Rejection(item.name, f"not a readable zip archive ({exc})")
        return
    with zf:
        members = _zip_members(zf, limits)
        if isinstance(members, str):
            yield Rejection(item.name, members)
            return
        total = 0
        counts = Counter(info.filename for info in members)
        for info in members:
            name = f"{item.name}/{info.filename}"
            reason = unsupported_reason(info.filename) or _member_problem(info, counts)
            if reason:
                yield Rejection(name, reason)
                continue
            if is_archive(info.filename):
                if nested:
                    yield Rejection(name, "zip inside a zip: unpack the inner archive first")
                    continue
                limit = limits.max_zip_bytes
            else:
                limit = limits.max_file_bytes
            if info.file_size > limit:
                yield Rejection(name, _too_large(info.file_size, limits))
                continue
            if info.flag_bits & 0x1:
                yield Rejection(name, "the zip member is encrypted")
                continue
            try:
                with zf.open(info) as handle:
                    data = handle.read(min(limit, info.file_size) + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
                yield Rejection(name, f"cannot read the zip member ({exc})")
                continue
            if len(data) > info.file_size or len(data) > limit:
                yield Rejection(
                    name, "the zip member expands beyond its declared size: refusing a zip bomb"
                )
                continue
            total += len(data)
            if total > limits.max_zip_bytes:
                yield Rejection(
                    item.name,
                    f"zip expands beyond {megabytes(limits.max_zip_bytes)}: stopped reading",
                )
                return
            if is_archive(info.filename):
                yield from _zip_sources(_Zip(name, None, data), limits, nested=True)
            else:
                yield SourceFile(name, data)


def _expand(planned: _Planned, limits: Limits, *, nested: bool) -> Iterator[SourceFile | Rejection]:
    if isinstance(planned, _PlainFile):
        try:
            yield SourceFile(planned.name, planned.path.read_bytes())
        except OSError as exc:
            yield Rejection(planned.name, f"cannot read the file ({exc.strerror or exc})")
    elif isinstance(planned, _Zip):
        yield from _zip_sources(planned, limits, nested=nested)
    else:
        yield planned


def iter_path_sources(paths: Sequence[Path], limits: Limits) -> Iterator[SourceFile | Rejection]:
    """Every file under `paths` (files, folders recursively, zips) as bytes, or why not.

    Hidden files are skipped; unsupported types, oversized files and unsafe zips are yielded as
    `Rejection`s so that each one gets a result.
    """
    for planned in _plan_paths(paths, limits):
        yield from _expand(planned, limits, nested=False)


def iter_sources_in_bytes(
    name: str, data: bytes, limits: Limits, *, nested: bool = False
) -> Iterator[SourceFile | Rejection]:
    """Like `iter_path_sources` for one in-memory file (an upload, a batch archive member)."""
    reason = unsupported_reason(name)
    if reason:
        yield Rejection(name, reason)
    elif is_archive(name):
        if len(data) > limits.max_zip_bytes:
            yield Rejection(
                name,
                f"zip too large: {megabytes(len(data))} (limit {megabytes(limits.max_zip_bytes)})",
            )
        else:
            yield from _zip_sources(_Zip(name, None, data), limits, nested=nested)
    elif len(data) > limits.max_file_bytes:
        yield Rejection(name, _too_large(len(data), limits))
    else:
        yield SourceFile(name, data)


def count_zip_members(data_or_path: bytes | Path, limits: Limits) -> int:
    """How many results a zip will give (1 if the whole archive will be rejected)."""
    item = (
        _Zip("", data_or_path, None)
        if isinstance(data_or_path, Path)
        else _Zip("", None, data_or_path)
    )
    try:
        with _open_zip(item) as zf:
            members = _zip_members(zf, limits)
    except (zipfile.BadZipFile, OSError):
        return 1
    return 1 if isinstance(members, str) else len(members)


def count_sources(paths: Sequence[Path], limits: Limits) -> int:
    """How many files `iter_path_sources` will yield (for progress bars), without reading them."""
    count = 0
    for planned in _plan_paths(paths, limits):
        if isinstance(planned, _Zip) and planned.path is not None:
            count += count_zip_members(planned.path, limits)
        else:
            count += 1
    return count
