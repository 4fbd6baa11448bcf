#!/usr/bin/env python3
"""Packages a provider binary as a deterministic release zip, as the Terraform registry expects.

Usage: provider_zip.py BINARY ENTRY_NAME OUT.zip

The zip holds exactly one entry, ENTRY_NAME (`terraform-provider-rdslink_v0.1.0`, `.exe` on
Windows), with Unix mode 0755 (Terraform keeps it when it unpacks, so the provider is executable),
a fixed timestamp and no extra fields: the same binary always gives the same zip, hence the same
line in SHA256SUMS and the same `zh:` hash in users' lock files.
"""

import os
import sys
import tempfile
import zipfile

# The earliest timestamp a zip can store; any fixed value works, this one says "no date".
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def write_zip(binary, entry_name, out):
    with open(binary, "rb") as f:
        data = f.read()
    info = zipfile.ZipInfo(entry_name, date_time=FIXED_DATE_TIME)
    info.create_system = 3  # Unix, so that external_attr carries a Unix mode
    info.external_attr = (0o100755 & 0xFFFF) << 16  # regular file, rwxr-xr-x
    info.compress_type = zipfile.ZIP_DEFLATED
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    # Write beside the destination and rename: a reader never sees a half-written zip.
    fd, partial = tempfile.mkstemp(dir=directory, prefix=".provider-zip-")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        os.chmod(partial, 0o644)
        os.replace(partial, out)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, entry_name, out = sys.argv[1:]
    if os.sep in entry_name or not entry_name.startswith("terraform-provider-"):
        sys.exit(f"{entry_name}: the entry must be a bare terraform-provider-<name>_v<version> file name")
    write_zip(binary, entry_name, out)


if __name__ == "__main__":
    main()
