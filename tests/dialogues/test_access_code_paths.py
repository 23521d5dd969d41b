"""Every path to a change keeps access codes the same way, even a journey that forgets to: change.propose
seals a code left in clear in a safe place, a neighbour, a note or an address line, never reads it back,
and sends it with the change for the driver."""

from __future__ import annotations

from aftersales_kit import ForcedIntent, changes, latest_code, talk, text_of

from backend.types import ActionKind, DeliveryAction
from bot.core.secrets_box import SECRET_FIELD, unseal
from bot.core.wording import Rendered
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.subflows.change import propose
from dialogues.subflows.identify import shipment_for

OWN = "+447700900456"  # PB100000002GB, out for delivery
ASK = "TEST: a careless journey"

_flow = REGISTRY.get("test_careless_place") or register(Flow("test_careless_place"))


@_flow.start
def _careless(turn: Turn) -> None:
    """Puts the shopper's words, code and all, straight into the params and the summary."""
    shipment = shipment_for(turn, then="go")
    if shipment is not None:
        place = "in the porch, door code is 2580"
        propose(turn, shipment, DeliveryAction(ActionKind.LEAVE_IN_SAFE_PLACE, {"safe_place": place}),
                Rendered(f"the driver will leave it {place}."))


def test_a_code_left_in_clear_by_a_journey_is_sealed_by_the_change_path(runtime, demo, interpreter):
    engine = runtime.engine.replace(interpreter=ForcedIntent(interpreter, {ASK: {"intent": "test_careless_place"}}))
    confirm = text_of(talk(runtime, OWN, ASK, engine=engine))
    assert "2580" not in confirm and "in the porch" in confirm and "the door code to the driver privately" in confirm
    text_of(talk(runtime, OWN, "yes", engine=engine))
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN), engine=engine))
    assert "Done" in done and "2580" not in done
    [change] = changes(runtime, "leave_in_safe_place")
    assert change.params["safe_place"] == "in the porch"
    assert unseal("test-secret-key", change.params[SECRET_FIELD]) == "door: 2580"
