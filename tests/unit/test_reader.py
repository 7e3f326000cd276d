"""read_text: every encoding a corpus arrives in decodes; broken files fail clearly."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from core.model import IngestError
from ingest.reader import read_bytes, read_text

CHINESE = "第一条 人工智能应当以人为本，安全可控。\n第二条 尊重个人隐私与数据安全。\n"
ENGLISH = "AI systems must be fair.\nThey must be safe.\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8(tmp_path: Path) -> None:
    text, encoding = read_text(_write(tmp_path, "a.txt", "Café – “AI”\n".encode()))
    assert (text, encoding) == ("Café – “AI”\n", "utf-8")


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    text, encoding = read_text(_write(tmp_path, "a.txt", codecs.BOM_UTF8 + ENGLISH.encode()))
    assert text == ENGLISH
    assert not text.startswith("\ufeff")
    assert encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    data = CHINESE.encode(codec)
    if codec != "utf-16":  # explicit-endian codecs write no BOM: add the right one
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    text, encoding = read_text(_write(tmp_path, "a.txt", data))
    assert text == CHINESE
    assert encoding == "utf-16"


def test_gbk_chinese(tmp_path: Path) -> None:
    text, encoding = read_text(_write(tmp_path, "a.txt", CHINESE.encode("gbk")))
    assert text == CHINESE
    assert encoding in {"gb18030", "gbk", "gb2312"}


def test_cp1252(tmp_path: Path) -> None:
    original = "Les systèmes d'IA doivent être équitables – et sûrs.\n" * 3
    text, encoding = read_text(_write(tmp_path, "a.txt", original.encode("cp1252")))
    assert text == original
    assert encoding == "cp1252"


def test_newlines_normalised(tmp_path: Path) -> None:
    text, _ = read_text(_write(tmp_path, "a.txt", b"one\r\ntwo\rthree\n"))
    assert text == "one\ntwo\nthree\n"


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"empty\.txt.*empty"):
        read_text(_write(tmp_path, "empty.txt", b""))


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"blank\.txt.*no text"):
        read_text(_write(tmp_path, "blank.txt", b" \n\t\n"))


def test_binary_with_nul_bytes(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"blob\.txt:2: binary") as info:
        read_text(_write(tmp_path, "blob.txt", b"header\n\x00\x01\x02\x03binary"))
    assert info.value.line == 2


def test_binary_image(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"picture\.md.*PNG"):
        read_text(_write(tmp_path, "picture.md", b"\x89PNG\r\n\x1a\n" + bytes(range(256))))


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "corpus.txt"
    folder.mkdir()
    with pytest.raises(IngestError, match=r"corpus\.txt.*directory"):
        read_text(folder)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"nothere\.txt.*no such file"):
        read_text(tmp_path / "nothere.txt")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read a chmod 000 file")
def test_unreadable_file_chmod(tmp_path: Path) -> None:
    path = _write(tmp_path, "secret.txt", b"text")
    path.chmod(0)
    try:
        with pytest.raises(IngestError, match=r"secret\.txt.*permission denied"):
            read_text(path)
    finally:
        path.chmod(0o644)


def test_unreadable_file_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs as root too: the OS error is simulated where the file is read."""
    path = _write(tmp_path, "locked.txt", b"text")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(IngestError, match=r"locked\.txt.*permission denied"):
        read_bytes(path)


def test_damaged_utf8_names_file_and_line(tmp_path: Path) -> None:
    data = "Première ligne\ndeuxième ligne\n".encode() + b"troisi\xe8me ligne\n"
    with pytest.raises(IngestError) as info:
        read_text(_write(tmp_path, "damaged.md", data))
    assert info.value.line == 3
    assert "damaged.md:3" in str(info.value)
    assert "UTF-8" in str(info.value)


def test_truncated_utf8_at_end(tmp_path: Path) -> None:
    data = "人工智能\n治理原则\n".encode() + "安全".encode()[:-1]
    with pytest.raises(IngestError) as info:
        read_text(_write(tmp_path, "cut.txt", data))
    assert info.value.line == 3
    assert "cut.txt" in str(info.value)


def test_bad_bytes_after_utf16_bom(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "ok\nline\n".encode("utf-16-le") + b"\x00\xd8"  # lone surrogate
    with pytest.raises(IngestError) as info:
        read_text(_write(tmp_path, "wide.txt", data))
    assert "wide.txt:3" in str(info.value)


def test_random_bytes_are_not_text(tmp_path: Path) -> None:
    data = bytes(range(1, 256)) * 4
    with pytest.raises(IngestError, match=r"noise\.txt"):
        read_text(_write(tmp_path, "noise.txt", data))
