"""The REST channel answers malformed or hostile bodies with a clear 4xx, never a 500, and runs nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend import models as m

URL = "/webhooks/rest/webhook"


def _stored_messages(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.Message))


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,                       # the reviewer's body: RecursionError in the parser
    '{"sender": ' * 10_000 + '"x"' + "}" * 10_000,       # nested objects
    '{"sender": "a", "message": ' + "[" * 5_000 + "]" * 5_000 + "}",  # deep inside a valid-looking object
])
def test_deeply_nested_json_is_a_clear_400(client, runtime, demo, body):  # noqa: ANN001
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "error" in response.get_json()
    assert _stored_messages(runtime) == 0


def test_unclosed_deep_nesting_is_a_clear_400(client, runtime, demo):  # noqa: ANN001
    response = client.post(URL, data="[" * 200_000, content_type="application/json")
    assert response.status_code == 400 and "error" in response.get_json()


def test_ordinary_nesting_still_reaches_the_bot(client, runtime, demo):  # noqa: ANN001
    """The depth limit only turns away absurd bodies: a normal message with a little nesting works."""
    body = '{"sender": "web-1", "message": "hello", "metadata": {"a": [[1, 2], {"b": [3]}]}}'
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 200
    replies = response.get_json()
    assert replies and replies[0]["recipient_id"] == "web-1" and replies[0]["text"]


def test_non_utf8_and_wrong_types_are_4xx(client, demo):  # noqa: ANN001
    bad = client.post(URL, data=b'{"sender": "\xff\xfe", "message": "hi"}', content_type="application/json")
    assert bad.status_code == 400 and "error" in bad.get_json()
    listed = client.post(URL, json=[{"sender": "a", "message": "b"}])
    assert listed.status_code == 400
    typed = client.post(URL, json={"sender": "a", "message": ["hi"]})
    assert typed.status_code == 422


def test_a_body_over_the_channel_limit_is_a_clear_413(client, runtime, demo):  # noqa: ANN001
    from channels.rest import MAX_BODY_BYTES

    response = client.post(URL, json={"sender": "web-1", "message": "x" * MAX_BODY_BYTES})
    assert response.status_code == 413 and "error" in response.get_json()
    assert _stored_messages(runtime) == 0


@pytest.mark.parametrize(("text", "deep"), [
    ('{"message": "' + "[" * 100 + '"}', False),                 # brackets inside a string don't nest
    ('{"message": "a \\" ' + "[" * 100 + '"}', False),           # nor after an escaped quote
    ('{"message": "a \\\\", "x": ' + "[" * 40 + "]" * 40 + "}", True),  # an escaped backslash ends the escape
    ("[" * 32 + "]" * 32, False),
    ("[" * 33 + "]" * 33, True),
    ("[[]," * 10_000 + "[]" + "]" * 10_000, True),
])
def test_depth_is_counted_outside_strings_only(text, deep):  # noqa: ANN001
    from bot.core.json_limits import too_deep

    assert too_deep(text) is deep
