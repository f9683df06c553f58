"""Hostile files for the upload tests, made small and fast: ZIP packages written field by field."""

from __future__ import annotations

import io
import struct
import zlib

OFD_XML = b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.1"/>'


def raw_zip(entries: list[tuple[str, int, int, int, bytes]]) -> bytes:
    """A ZIP package from entries given as (name, method, CRC-32, inflated size, stored bytes).

    Written field by field so that a test can say what an archive declares without compressing (or
    writing) what it would inflate to.
    """
    out = io.BytesIO()
    central = []
    for name, method, crc, size, data in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(encoded), 0))
        out.write(encoded + data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), start, 0))
    return out.getvalue()


def stored(name: str, data: bytes) -> tuple[str, int, int, int, bytes]:
    return (name, 0, zlib.crc32(data), len(data), data)


def zip_bomb() -> bytes:
    """A valid OFD-looking package whose second entry inflates to 1 GiB of zeros (about 1 MiB on disk).

    One MiB of zeros is compressed once and its byte-aligned deflate blocks repeated 1024 times:
    nothing of the gigabyte is ever made.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = block * 1024 + compressor.flush(zlib.Z_FINISH)
    crc_of_one_gibibyte_of_zeros = 0x5B64C2B0  # zlib.crc32(bytes(2**30))
    return raw_zip(
        [stored("OFD.xml", OFD_XML), ("Doc_0/Res/zeros.bin", 8, crc_of_one_gibibyte_of_zeros, 1 << 30, data)]
    )
