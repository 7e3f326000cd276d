"""Bytes -> text for every text-based loader, with errors a user can act on.

Corpora arrive from many places: UTF-8 with and without a BOM, UTF-16 exported
from Windows tools, GBK/GB18030 from Chinese sources, cp1252 from old Western
ones.  Every loader goes through :func:`read_text` so that a file is decoded the
same way everywhere and a file that is not text (or is damaged) fails with a
message naming the file and, where there is one, the line of the first bad byte.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from core.model import IngestError

# BOMs, longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Magic numbers of binary formats people drop into corpus folders by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file (give it a .pdf extension)"),
    (b"PK\x03\x04", "a ZIP archive (Office documents such as .docx are ZIP files)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)

# When charset-normalizer finds several encodings equally plausible (common for
# short texts), prefer the ones real corpora are actually written in.
_PREFERRED = (
    "gb18030", "cp1252", "big5", "cp932", "shift_jis", "euc_jp", "cp949",
    "euc_kr", "latin_1", "cp1250", "cp1251",
)
_NO_BOM_WIDE = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]
_CONTROL_OK = set("\t\n\r\f\v\x1b")


def read_bytes(path: Path) -> bytes:
    """Read a file whole, turning OS errors into an IngestError naming the file.

    Shared with the PDF loader, which needs the same checks but not decoding.
    """
    source = str(path)
    if path.is_dir():
        raise IngestError(source, "is a directory, not a file")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise IngestError(source, "cannot read file: permission denied") from None
    except FileNotFoundError:
        raise IngestError(source, "no such file") from None
    except OSError as exc:
        raise IngestError(source, f"cannot read file: {exc.strerror or exc}") from None
    if not data:
        raise IngestError(source, "file is empty")
    return data


def read_text(path: Path) -> tuple[str, str]:
    r"""Return ``(text, encoding)`` with newlines normalised to ``\n``.

    Raises IngestError for unreadable, empty, binary or wrongly-encoded files.
    """
    source = str(path)
    data = read_bytes(path)
    text, encoding = decode_bytes(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(source, "file has no text (only whitespace)")
    _reject_control_heavy(text, source)
    return text, encoding


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes by BOM, then strict UTF-8, then a detected legacy encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_strict(data, encoding, source), encoding
    _reject_binary(data, source)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if _looks_like_damaged_utf8(data):
        raise IngestError(
            source,
            f"not valid UTF-8: byte 0x{data[first_bad]:02x} cannot be decoded "
            "(the file is mostly UTF-8, so it is probably damaged or mixes encodings)",
            _line_of(data, first_bad),
        )
    return _decode_legacy(data, source, first_bad)


def _decode_strict(data: bytes, encoding: str, source: str) -> str:
    """Decode with a known encoding; a bad byte is reported with its line."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(encoding, errors="replace")
        raise IngestError(
            source,
            f"not valid {encoding} although it starts with a {encoding} BOM: "
            f"bad bytes at offset {exc.start}",
            prefix.count("\n") + 1,
        ) from None


def _reject_binary(data: bytes, source: str) -> None:
    """NUL bytes never occur in BOM-less text in any encoding we accept."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IngestError(source, f"binary file, not text: looks like {what}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            source,
            "binary file, not text (contains NUL bytes); if it is UTF-16 text, "
            "save it with a BOM or as UTF-8",
            _line_of(data, nul),
        )


def _looks_like_damaged_utf8(data: bytes, max_errors: int = 50) -> bool:
    """True when valid multi-byte UTF-8 outnumbers the invalid bytes.

    Legacy encodings (GBK, cp1252) almost never form valid UTF-8 sequences, so
    a file with many valid ones and a few bad bytes is UTF-8 that got damaged;
    decoding it as something else would silently garble every accented letter.
    """
    valid_multibyte, errors, pos = 0, 0, 0
    while pos < len(data) and errors < max_errors:
        try:
            chunk = data[pos:].decode("utf-8")
            valid_multibyte += sum(1 for ch in chunk if ord(ch) > 0x7F)
            break
        except UnicodeDecodeError as exc:
            good = data[pos : pos + exc.start].decode("utf-8")
            valid_multibyte += sum(1 for ch in good if ord(ch) > 0x7F)
            errors += 1
            pos += exc.end
    return valid_multibyte > errors


def _decode_legacy(data: bytes, source: str, first_bad: int) -> tuple[str, str]:
    """Detect a legacy encoding with charset-normalizer, or fail naming the line."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_exclusion=_NO_BOM_WIDE))
    encoding = _pick_encoding(matches)
    if encoding is None:
        raise IngestError(
            source,
            f"not valid UTF-8 (byte 0x{data[first_bad]:02x}) and no other text "
            "encoding fits: the file is binary or wrongly encoded",
            _line_of(data, first_bad),
        )
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        raise IngestError(
            source, f"cannot decode as the detected encoding {encoding}",
            _line_of(data, first_bad),
        ) from None


def _pick_encoding(matches: list) -> str | None:
    """Among the equally plausible candidates, take the most common encoding."""
    if not matches:
        return None
    best = matches[0]
    tied = [
        m.encoding for m in matches
        if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01
    ]
    for name in _PREFERRED:
        if name in tied:
            return name
    return best.encoding


def _reject_control_heavy(text: str, source: str) -> None:
    """Decoded 'text' full of control characters is a binary file in disguise."""
    sample = text[:10000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in _CONTROL_OK)
    if controls > max(2, len(sample) // 100):
        raise IngestError(source, "binary file, not text (many control characters)")


def _line_of(data: bytes, offset: int) -> int:
    r"""1-based line of a byte offset (\n, \r\n and lone \r all end a line)."""
    prefix = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return prefix.count(b"\n") + 1
