"""Arrow arrays built from, and read through, their buffers.

pyarrow's own conversions of Python and numpy values (`pa.array`, `pa.scalar`, `to_numpy`, a
plain value given to a compute function) first import pandas, when it is installed, to look for
its types: a sixth of a second in a fresh process (a worker, a `manage.py` command), for nothing
here. Claim finding and the `aggregate` CSV path build and read their arrays with these instead.
Pure: numpy and pyarrow only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


def texts(values: Sequence[str], *, large: bool = False) -> Any:
    """`values` as an Arrow string array (`large`: 64-bit offsets), built from their UTF-8 bytes
    joined (several times cheaper than converting the strings one by one). Raises
    UnicodeEncodeError for a lone surrogate, as Arrow's own conversion does."""
    import pyarrow as pa

    joined = "".join(values).encode("utf-8")
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    if int(lengths.sum()) != len(joined):  # not all ASCII: lengths in bytes
        lengths = np.fromiter(
            (len(v) if v.isascii() else len(v.encode("utf-8")) for v in values),
            dtype=np.int64,
            count=len(values),
        )
    offsets = np.zeros(len(values) + 1, dtype=np.int64 if large else np.int32)
    np.cumsum(lengths, out=offsets[1:])
    kind = pa.large_string() if large else pa.string()
    return pa.Array.from_buffers(
        kind, len(values), [None, pa.py_buffer(offsets), pa.py_buffer(joined)]
    )


def text(value: str) -> Any:
    """A Python string as an Arrow string scalar."""
    return texts([value])[0]


def numbers(values: npt.NDArray[Any]) -> Any:
    """A numpy array of a fixed-width number type as an Arrow array (its buffer, copied only if
    it is not contiguous)."""
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)]
    )


def flags(values: npt.NDArray[np.bool_]) -> Any:
    """A numpy bool array as an Arrow boolean array."""
    import pyarrow as pa

    bits = np.packbits(values, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])


def view(array: Any, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """The values of an Arrow array of fixed-width numbers of `dtype` without nulls, viewed as
    numpy's (an array with nulls: `integers`)."""
    if array.null_count:
        raise ValueError("an array with nulls has no plain numpy view")
    return _data(array, dtype)


def string_buffers(array: Any) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
    """An Arrow string array's (32-bit) offsets and bytes, viewed: value ``i`` is
    ``data[offsets[i]:offsets[i + 1]]``."""
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[
        array.offset : array.offset + len(array) + 1
    ]
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if buffers[2] is not None
        else np.zeros(0, np.uint8)
    )
    return offsets, data


def integers(array: Any, null: int = 0) -> npt.NDArray[np.int64]:
    """An Arrow array of 32- or 64-bit integers as int64, `null` for its nulls."""
    import pyarrow as pa

    width: type[np.generic] = np.int32 if array.type == pa.int32() else np.int64
    if array.type not in (pa.int32(), pa.int64()):
        raise TypeError(f"not 32- or 64-bit integers: {array.type}")
    values = _data(array, width).astype(np.int64)
    if array.null_count:
        bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
        values[bits[array.offset : array.offset + len(array)] == 0] = null
    return values


def _data(array: Any, dtype: type[np.generic]) -> npt.NDArray[Any]:
    if not len(array):
        return np.zeros(0, dtype=dtype)
    start = array.offset
    return np.frombuffer(array.buffers()[1], dtype=dtype)[start : start + len(array)]
