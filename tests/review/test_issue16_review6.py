"""Review 6 of issue 16 ("Scale, speed and staying up"): an independent reviewer's probes, each defect found a
test that fails on the code as it stood (xfail, strict, until mended)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend import models as m
from tests.security.security_kit import OWN, codes_sent_to, talk


def _opted_out(runtime, phone: str) -> bool:  # noqa: ANN001
    with runtime.sessions() as s:
        return bool(s.scalar(select(m.Contact.opted_out_at).where(m.Contact.phone == phone)))


@pytest.mark.xfail(strict=True, reason="asking to be texted again ('can you text me again') at the code step "
                                       "unsubscribes the shopper (the NLU reads it as opt_out); it should send a code")
@pytest.mark.parametrize("ask", ["can you text me again", "text me the code again"])
def test_asking_to_be_texted_the_code_again_does_not_unsubscribe(runtime, demo, ask):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    assert len(codes_sent_to(runtime, OWN)) == 1
    reply = talk(runtime, OWN, ask)
    assert not _opted_out(runtime, OWN), reply
    assert "unsubscribed" not in reply


@pytest.mark.xfail(strict=True, reason="'message me when it's out' (a request FOR texts) opts the number out of "
                                       "every delivery text; it should never unsubscribe")
def test_asking_for_a_text_later_does_not_unsubscribe(runtime, demo):
    reply = talk(runtime, OWN, "message me when it's out")
    assert not _opted_out(runtime, OWN), reply
