#!/usr/bin/env python3
"""tools/domb-run --interactive: the Ctrl-A escape keys and the input pacing (no QEMU)."""
import importlib.machinery
import importlib.util
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "..", "..", "tools", "domb-run")
loader = importlib.machinery.SourceFileLoader("domb_run", path)
spec = importlib.util.spec_from_loader("domb_run", loader)
run = importlib.util.module_from_spec(spec)
loader.exec_module(run)

said = []
k = run.Keys()
k.typed(b"list\r", said.append)
assert bytes(k.queue) == b"list\r" and not k.quit
# Ctrl-A Ctrl-A is one Ctrl-A; Ctrl-A h is help; other keys after Ctrl-A are dropped
k.typed(b"\x01\x01a\x01h\x01zb", said.append)
assert bytes(k.queue) == b"list\r\x01ab", bytes(k.queue)
assert said == [run.ESCAPE_HELP]
# an escape split across reads
k.typed(b"\x01", said.append)
assert not k.quit and k.escaped
k.typed(b"x", said.append)
assert k.quit
# pacing: at most INPUT_CHUNK bytes per INPUT_GAP
p = run.Keys()
p.typed(b"y" * 100, said.append)
first = p.due()
assert len(first) == run.INPUT_CHUNK
assert p.due() == b""  # too soon
time.sleep(run.INPUT_GAP * 1.5)
assert len(p.due()) == run.INPUT_CHUNK
assert run.EXIT_USER == 6
print("domb-run keys: OK")
