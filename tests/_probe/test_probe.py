import os
from pathlib import Path

import pytest

from tests.dialogues.aftersales_kit import latest_code
from tests.security.security_kit import talk

PHONES = {"t": "+447700900123", "o": "+447700900456", "d": "+447700900789", "f": "+447700900321",
          "2": "+447700900654", "s": "+447700900987"}
LINES = [ln for ln in Path(os.environ.get("PROBE", "/work/scr/probe.txt")).read_text().splitlines()
         if ln.strip() and not ln.startswith("#")]


@pytest.fixture(scope="session")
def nlu_model():
    return Path(os.environ.get("PROBE_NLU", "/work/main/data/models/nlu"))


@pytest.mark.parametrize("line", LINES)
def test_probe(line, runtime, demo):
    who, _, rest = line.partition(":")
    if who.strip() == "u":
        from tests.review.voice_kit import make_us
        make_us(runtime)
        who = "t"
    phone = PHONES[who.strip()]
    out = [f"=== {line}"]
    for msg in [p.strip() for p in rest.split("|")]:
        if msg == "{code}":
            try:
                msg = latest_code(runtime, phone)
            except AssertionError:
                out.append("  (no code sent)")
                break
        out.append(f"> {msg}")
        out.append("  " + talk(runtime, phone, msg).replace("\n", "\n  "))
    with open("/work/scr/probe.out", "a") as f:
        f.write("\n".join(out) + "\n")
