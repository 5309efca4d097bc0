#!/usr/bin/env python3
"""newc.py OUT ENTRY...: write a newc (SVR4, no CRC) CPIO archive for Linux's
initramfs, the way the kernel's gen_init_cpio does: no root needed for device
nodes, fixed owner (0:0) and mtime (0), so the output depends only on the input.

ENTRY is one argument each:
    "dir PATH MODE"              a directory
    "nod PATH MODE c|b MAJ MIN"  a device node
    "file PATH SOURCE MODE"      a regular file with SOURCE's contents
"""
import stat
import sys


def header(ino, mode, nlink, size, rmaj, rmin, name):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name + b"\0"
    return head + b"\0" * (-len(head) % 4)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = bytearray()
    for ino, entry in enumerate(sys.argv[2:], start=1):
        words = entry.split()
        kind, name = words[0], words[1].lstrip("/").encode()
        data, rmaj, rmin = b"", 0, 0
        if kind == "dir" and len(words) == 3:
            mode, nlink = stat.S_IFDIR | int(words[2], 8), 2
        elif kind == "nod" and len(words) == 6 and words[3] in ("c", "b"):
            mode = (stat.S_IFCHR if words[3] == "c" else stat.S_IFBLK) | int(words[2], 8)
            nlink, rmaj, rmin = 1, int(words[4]), int(words[5])
        elif kind == "file" and len(words) == 4:
            with open(words[2], "rb") as f:
                data = f.read()
            mode, nlink = stat.S_IFREG | int(words[3], 8), 1
        else:
            sys.exit(f"newc.py: bad entry {entry!r}")
        out += header(ino, mode, nlink, len(data), rmaj, rmin, name)
        out += data + b"\0" * (-len(data) % 4)
    out += header(0, 0, 1, 0, 0, 0, b"TRAILER!!!")
    with open(sys.argv[1], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
