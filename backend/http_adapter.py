"""HttpBackend: any carrier or order system that speaks our contract (backend/openapi/carrier-contract.yaml).

Every request is signed (backend/signing.py) and every write carries an Idempotency-Key, so the
retries in backend/resilience.py are safe. When the far side is down a write is handed to a pending
sink (stored in pending_requests, retried by backend/retry.py) and BackendUnavailable is
raised so the flow can tell the shopper honestly.

An access code the shopper gave with a change (sealed by the bot as params["access_code_enc"]) reaches the
driver through the applyAction body's `access_code`: opened with the CodeBox the registry gives this adapter,
for that request only, over https only; the stored copy of a kept write stays sealed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests

from backend import deadline_io
from backend.pending import PendingSink, PendingWrite, apply_write, cancel_write, return_write
from backend.protocol import BackendError, BackendRefused, BackendUnavailable, repeated
from backend.reasons import Reason, because
from backend.resilience import CircuitBreaker, ResilientClient, RetryPolicy, earlier_tries
from backend.sealing import SECRET_FIELD, CodeBox
from backend.serialize import (
    carrier_action_json,
    context_to_json,
    option_from_json,
    pod_from_json,
    result_from_json,
    return_info_from_json,
    return_request_to_json,
    shipment_from_json,
)
from backend.signing import HEADER, sign
from backend.types import (
    ActionKind,
    ActionOption,
    ActionResult,
    ChangeContext,
    DeliveryAction,
    ProofOfDelivery,
    ResultStatus,
    ReturnInfo,
    ReturnRequest,
    Shipment,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

NOT_FOUND = because("parcel_not_found")


def _lane(base_url: str) -> str:
    """The carrier's host as one name: `HOST`, `host.` and `host:443` are one carrier, and were three lanes of
    the 32 (bot/core/lanes.py), so one merchant could use them all up with spellings of its own host (review)."""
    parts = urlsplit(base_url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = (parts.hostname or "").rstrip(".")
    return f"http:{host}" + (f":{port}" if port not in (None, default) else "")


def _error_message(response: requests.Response) -> str | None:
    err = _error(response)
    return err.get("message") if isinstance(err, dict) else str(err) if err else None


def _error(response: requests.Response) -> object:
    try:
        return response.json().get("error") or {}
    except (ValueError, AttributeError):
        return None


# A 409 that says the same key is still being worked on (the contract's own code, and Stripe's): not a refusal.
IN_PROGRESS = frozenset({"request_in_progress", "idempotency_key_in_use"})


def _in_progress(response: requests.Response) -> bool:
    err = _error(response)
    return response.status_code == 409 and isinstance(err, dict) and err.get("code") in IN_PROGRESS


# A 409/422 saying the carrier already has this request (our key, or the change it makes): on a repeat, our own
# earlier try is what it has, whatever the earlier answer was (a gateway's 502/503/504 can hide a change made behind
# it). docs/backend.md, "A conflict answered to a repeat".
ALREADY_MADE = frozenset({"duplicate", "duplicate_request", "already_applied", "already_processed", "already_exists",
                          "idempotency_key_reused"})


def _conflict_on_repeat(response: requests.Response) -> bool:
    """A 409/422 answered to a repeat of a write that an earlier try may have made: the contract asks a carrier to
    answer a repeated Idempotency-Key with the original answer, so a conflict instead (a key store that forgot the
    key, or none) says nothing of whether our earlier try made it. Read as a refusal, the shopper was told "the
    carrier couldn't make the change" for a change it had made, and would ask again under a new key (review). A
    careful client (Stripe's advice for an ambiguous answer) reads it as "outcome unknown": asked again under the
    same key, and told "we can't tell" if it never becomes clear; never "refused", never "done". Earlier tries: the
    HTTP client's own (a lost answer, a 5xx) and, for the retry job's replay, the kept write's (backend/retry.py)."""
    if response.status_code not in (409, 422):
        return False
    earlier = earlier_tries(response) | repeated()
    err = _error(response)
    code = err.get("code") if isinstance(err, dict) else None
    return earlier.may_have_arrived or (earlier.sent and code in ALREADY_MADE)


class HttpBackend:
    """A carrier reached over HTTPS. Supported actions come from configuration, never guessed."""

    is_remote = True  # reached over the network: never called with a database transaction open

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        name: str = "http",
        merchant_slug: str = "",
        supported_actions: Iterable[ActionKind | str] | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        pending_sink: PendingSink | None = None,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        code_box: CodeBox | None = None,
    ) -> None:
        self.name = name
        self.code_box = code_box  # opens the access codes the bot sealed (given by the registry; no other key)
        self.merchant_slug = merchant_slug
        kinds = ActionKind if supported_actions is None else supported_actions
        self.supported_actions = frozenset(ActionKind(k) for k in kinds)
        self.secret = secret
        self.clock = clock
        self.pending_sink = pending_sink
        self.client = ResilientClient(
            base_url=base_url,
            breaker=breaker or CircuitBreaker(f"http:{urlsplit(base_url).netloc}"),
            retry=retry or RetryPolicy(),
            timeout=timeout,
            http=http or deadline_io.session(),  # its tries cut at their whole deadline
            sleep=sleep,
            authorize=self._sign,
        )
        self.lane = _lane(base_url)  # its writes' own threads (bot/core/lanes.py): who fails together

    def _sign(self, prepared: requests.PreparedRequest) -> None:
        prepared.headers[HEADER] = sign(self.secret, prepared.method or "GET", prepared.path_url, prepared.body,
                                        now=self.clock())

    # -- plumbing -------------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kw: Any) -> requests.Response:
        response = self.client.request(method, path, **kw)
        if response.status_code in (401, 403):
            log.error("%s refused our credentials (%s %s -> %s)", self.name, method, path, response.status_code)
            raise BackendRefused(f"{self.name} refused our credentials")
        return response

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise BackendError(f"{self.name} answered with something that isn't JSON") from exc

    def _read(self, parse: Callable[[Any], T], response: requests.Response) -> T:
        """A 2xx answer, parsed; JSON of a shape we don't know (a field missing, a status we don't use, a list for an
        object) is an answer we can't read, like a body that isn't JSON: a BackendError. For a write the carrier may
        have made it (a KeyError let through read as "no such parcel", a definite no, or escaped the paid-change job:
        review); for a read, the shopper hears the carrier isn't answering and the tracking page says so (review 8:
        a ValueError or AttributeError from the parsing was "something went wrong on our side" and a 500 page)."""
        try:
            return parse(self._json(response))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:
            raise BackendError(f"{self.name} answered in a shape we can't read ({exc.__class__.__name__})") from exc

    def _write(self, write: PendingWrite, method: str, path: str, body: dict) -> requests.Response:
        """A write: Idempotency-Key on every try; kept for later if the far side is down."""
        try:
            return self._call(method, path, body=body, headers={"Idempotency-Key": write.idempotency_key})
        except BackendUnavailable as exc:
            if self.pending_sink is not None:
                self.pending_sink(PendingWrite(write.kind, write.payload, write.idempotency_key, str(exc)))
            raise

    @staticmethod
    def _t(tracking_number: str) -> str:
        return quote(tracking_number.strip().upper(), safe="")

    # -- reading --------------------------------------------------------------------------------------------
    def find_shipments(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        order_number: str | None = None,
        tracking_number: str | None = None,
    ) -> list[Shipment]:
        params = {"phone": phone, "email": email, "order_number": order_number, "tracking_number": tracking_number}
        params = {k: v for k, v in params.items() if v}
        if not params:
            return []
        response = self._call("GET", "/shipments", params=params)
        if response.status_code == 404:
            return []
        self._expect(response, 200)
        return self._read(lambda data: [shipment_from_json(s, self.merchant_slug) for s in data.get("shipments", [])],
                          response)

    def get_shipment(self, tracking_number: str) -> Shipment | None:
        response = self._call("GET", f"/shipments/{self._t(tracking_number)}")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return self._read(lambda data: shipment_from_json(data, self.merchant_slug), response)

    def available_actions(self, tracking_number: str) -> list[ActionOption]:
        response = self._call("GET", f"/shipments/{self._t(tracking_number)}/actions")
        if response.status_code == 404:
            return []
        self._expect(response, 200)
        offered = self._read(
            lambda data: [option_from_json(o) for o in data.get("actions", []) if _known(o.get("kind"))], response)
        out: list[ActionOption] = []
        for kind in ActionKind:  # never offer what we haven't been told the carrier can do
            if kind not in self.supported_actions:
                out.append(ActionOption(kind, False, reason_code=_unsupported(kind)))
                continue
            mine = [o for o in offered if o.kind is kind]
            out.extend(mine or [ActionOption(kind, False, reason_code=_unsupported(kind))])
        return out

    def proof_of_delivery(self, tracking_number: str) -> ProofOfDelivery | None:
        response = self._call("GET", f"/shipments/{self._t(tracking_number)}/proof-of-delivery")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return self._read(pod_from_json, response)

    def return_status(self, tracking_number: str) -> ReturnInfo | None:
        response = self._call("GET", f"/shipments/{self._t(tracking_number)}/returns")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return self._read(lambda data: return_info_from_json(data["returns"][0]) if data.get("returns") else None,
                          response)

    # -- writing --------------------------------------------------------------------------------------------
    def apply_action(
        self, tracking_number: str, action: DeliveryAction, *, idempotency_key: str, context: ChangeContext
    ) -> ActionResult:
        if action.kind not in self.supported_actions:
            return ActionResult(ResultStatus.REJECTED, reason_code=_unsupported(action.kind))
        body = carrier_action_json(action, context, self._access_code(action))
        write = apply_write(tracking_number, action, context, idempotency_key)
        response = self._write(write, "POST", f"/shipments/{self._t(tracking_number)}/actions", body)
        return self._result(response, not_found=NOT_FOUND)

    def cancel_order(self, order_number: str, *, idempotency_key: str, context: ChangeContext) -> ActionResult:
        if ActionKind.CANCEL_ORDER not in self.supported_actions:
            return ActionResult(ResultStatus.REJECTED, reason_code=_unsupported(ActionKind.CANCEL_ORDER))
        order = order_number.lstrip("#")
        write = cancel_write(order, context, idempotency_key)
        response = self._write(write, "POST", f"/orders/{quote(order, safe='')}/cancel",
                               {"context": context_to_json(context)})
        return self._result(response, not_found=because("order_not_found"))

    def create_return(
        self, tracking_number: str, request: ReturnRequest, *, idempotency_key: str, context: ChangeContext
    ) -> ReturnInfo:
        body = {**return_request_to_json(request), "context": context_to_json(context)}
        write = return_write(tracking_number, request, context, idempotency_key)
        response = self._write(write, "POST", f"/shipments/{self._t(tracking_number)}/returns", body)
        if response.status_code == 404:
            raise LookupError(tracking_number)
        self._not_in_progress(response)
        if response.status_code in (409, 422):
            raise BackendRefused(_error_message(response) or "The carrier couldn't start a return for this parcel.")
        self._expect(response, 200, 201)
        return self._read(return_info_from_json, response)

    def _access_code(self, action: DeliveryAction) -> str | None:
        """The access code sealed with this change, opened for this call only: never stored, never logged, and
        only ever sent over TLS (a plain-http carrier, allowed for local testing, gets none)."""
        token = action.params.get(SECRET_FIELD)
        if not token:
            return None
        if self.code_box is None or not self.client.base_url.lower().startswith("https://"):
            log.warning("%s: an access code rides with this change but can't be sent (%s)", self.name,
                        "no key to open it" if self.code_box is None else "not over https")
            return None
        opened = self.code_box.unseal(str(token))
        if opened is None:
            log.warning("%s: an access code rides with this change but doesn't open with our key", self.name)
        return opened

    def _not_in_progress(self, response: requests.Response) -> None:
        """A 409 saying the same key is still being worked on is "not answering yet" (asked again later), never a
        refusal; nor is a conflict answered to a repeat an earlier try may have made (a write's answer: _result,
        create_return)."""
        if _in_progress(response):
            # it has the request: given up later, that is "we can't tell" (review)
            raise BackendUnavailable(f"{self.name} is still working on this request", may_have_arrived=True)
        if _conflict_on_repeat(response):
            # an answer we can't read as yes or no: kept, asked again under the key, never told as refused
            raise BackendError(f"{self.name} answered HTTP {response.status_code} to a repeat of a write it may "
                               f"already have made ({_error_message(response) or 'no words'})")

    def _result(self, response: requests.Response, *, not_found: Reason) -> ActionResult:
        """A refusal in the carrier's own words is kept as they are; without words, our code says it. A write still
        being worked on under the same key (our slow change's first request, while its follow-up asks) is "not
        answering yet", so it is asked again later: read as a refusal, the shopper was told it couldn't be made while
        the first request made it (found by review)."""
        self._not_in_progress(response)
        if response.status_code in (404, 409, 422):
            words = _error_message(response)
            if words:
                return ActionResult(ResultStatus.REJECTED, reason=words)
            code = not_found if response.status_code == 404 else because("carrier_refused")
            return ActionResult(ResultStatus.REJECTED, reason_code=code)
        self._expect(response, 200, 201, 202)
        return self._read(result_from_json, response)

    def _expect(self, response: requests.Response, *codes: int) -> None:
        if response.status_code not in codes:
            error = BackendRefused if 400 <= response.status_code < 500 else BackendError
            raise error(f"{self.name} answered HTTP {response.status_code} to {response.request.path_url}")


def _known(kind: Any) -> bool:
    return kind in {k.value for k in ActionKind}


def _unsupported(kind: ActionKind) -> Reason:
    return because("carrier_does_not_offer", action=kind.value)
