#!/usr/bin/env python3
"""Packages a Lambda `bootstrap` executable as a deterministic zip.

Usage: deterministic_zip.py BOOTSTRAP OUT.zip

The zip holds exactly one entry, `bootstrap`, with Unix mode 0755, a fixed timestamp and no extra
fields, so the same binary always gives the same bytes (and the same Lambda CodeSha256). The
binary is checked first: provided.al2023 arm64 needs a static AArch64 ELF executable.
"""

import filecmp
import os
import struct
import sys
import tempfile
import zipfile

# The earliest timestamp a zip can store; any fixed value works, this one says "no date".
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ENTRY_NAME = "bootstrap"
EM_AARCH64 = 183
PT_INTERP = 3


def check_static_aarch64_elf(path):
    """Refuses anything but a 64-bit little-endian AArch64 ELF without a program interpreter."""
    with open(path, "rb") as f:
        header = f.read(64)
        if len(header) < 64 or header[:4] != b"\x7fELF":
            sys.exit(f"{path}: not an ELF file")
        if header[4] != 2 or header[5] != 1:
            sys.exit(f"{path}: not a 64-bit little-endian ELF file")
        (machine,) = struct.unpack_from("<H", header, 18)
        if machine != EM_AARCH64:
            sys.exit(f"{path}: ELF machine {machine}, expected AArch64 ({EM_AARCH64})")
        (phoff,) = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        for index in range(phnum):
            f.seek(phoff + index * phentsize)
            (p_type,) = struct.unpack("<I", f.read(4))
            if p_type == PT_INTERP:
                sys.exit(f"{path}: dynamically linked (has a program interpreter); expected a static binary")


def write_zip(binary, out):
    with open(binary, "rb") as f:
        data = f.read()
    info = zipfile.ZipInfo(ENTRY_NAME, date_time=FIXED_DATE_TIME)
    info.create_system = 3  # Unix, so that external_attr carries a Unix mode
    info.external_attr = (0o100755 & 0xFFFF) << 16  # regular file, rwxr-xr-x
    info.compress_type = zipfile.ZIP_DEFLATED
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    # Write beside the destination and rename: readers never see a half-written zip.
    fd, partial = tempfile.mkstemp(dir=directory, prefix=".rdslink-zip-")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        os.chmod(partial, 0o644)
        # An identical zip is left untouched: a new modification time would make the provider's
        # build script (which embeds the zip) rebuild the provider on every `make`.
        if os.path.exists(out) and filecmp.cmp(partial, out, shallow=False):
            os.unlink(partial)
            return
        os.replace(partial, out)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, out = sys.argv[1], sys.argv[2]
    check_static_aarch64_elf(binary)
    write_zip(binary, out)


if __name__ == "__main__":
    main()
