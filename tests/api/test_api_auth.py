"""API keys: hashed at rest, shown once by the CLI, required (and checked) on every /api/v1 request."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from tests.api.support import shipment

PROTECTED = [
    ("post", "/api/v1/shipments"),
    ("get", "/api/v1/shipments/PB100000001GB"),
    ("post", "/api/v1/shipments/PB100000001GB/events"),
    ("post", "/api/v1/shipments/PB100000001GB/proof-of-delivery"),
    ("get", "/api/v1/outbox?to=%2B447700900123"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("header", [None, "Bearer pbk_wrongwrongwrongwrong", "Basic dXNlcjpwYXNz", "Bearer "])
def test_no_key_or_a_bad_key_is_401_json(client, api_key, method, path, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(path, headers=headers, json={})
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_near_miss_key_is_refused(client, api_key):
    tampered = api_key[:-1] + ("A" if api_key[-1] != "A" else "B")  # same prefix, wrong secret
    response = client.get("/api/v1/outbox?to=%2B447700900123", headers={"Authorization": f"Bearer {tampered}"})
    assert response.status_code == 401


def test_the_key_is_stored_hashed_and_works(client, api_key, auth, runtime):
    with runtime.sessions() as session:
        row = session.scalar(select(m.ApiKey))
    assert row.prefix == api_key[:12] and api_key not in row.key_hash and len(row.key_hash) == 64
    assert client.get("/api/v1/outbox?to=%2B447700900123", headers=auth).status_code == 200


def test_a_revoked_key_stops_working(client, api_key, auth, runtime):
    from bot.core.apikeys import revoke

    assert client.post("/api/v1/shipments", json=shipment(), headers=auth).status_code == 201
    with transaction(runtime.sessions) as session:
        assert revoke(session, api_key[:12]) == 1
    assert client.post("/api/v1/shipments", json=shipment(), headers=auth).status_code == 401


def test_cli_prints_the_key_alone_and_it_authenticates(env, client, demo, runtime):
    run = subprocess.run([sys.executable, "-m", "bot.cli", "apikey", "create", "demo"], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    key = run.stdout.strip()
    assert run.stdout == key + "\n" and key.startswith("pbk_") and " " not in key
    response = client.get("/api/v1/outbox?to=%2B447700900123", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    listed = subprocess.run([sys.executable, "-m", "bot.cli", "apikey", "list", "demo"], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=120)
    assert key[:12] in listed.stdout and key not in listed.stdout
    revoked = subprocess.run([sys.executable, "-m", "bot.cli", "apikey", "revoke", key[:12]], env={**os.environ, **env},
                             capture_output=True, text=True, timeout=120)
    assert revoked.returncode == 0, revoked.stderr
    with runtime.sessions() as session:  # both in the audit trail, by its one writer (prefixes only, never the key)
        trail = session.execute(select(m.AuditEntry.action, m.AuditEntry.subject, m.AuditEntry.actor)
                                .where(m.AuditEntry.action.like("apikey_%")).order_by(m.AuditEntry.id)).all()
    assert [tuple(r) for r in trail] == [("apikey_create", key[:12], "cli"), ("apikey_revoke", key[:12], "cli")]


def test_cli_unknown_merchant_is_a_clear_error(env, demo):
    run = subprocess.run([sys.executable, "-m", "bot.cli", "apikey", "create", "nobody"], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and run.stdout == "" and "no merchant 'nobody'" in run.stderr
    assert "Traceback" not in run.stderr
