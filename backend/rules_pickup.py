"""Pickup points near an address, from a small table in data (backend/data/pickup_points.json).

The reference carrier has no real network of shops, so a deterministic table keyed by postcode area is
enough to exercise the pickup flow end to end; nearest first by straight-line distance.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend.types import PickupPoint

DATA = Path(__file__).resolve().parent / "data" / "pickup_points.json"


def normalise_postcode(postcode: str) -> str:
    """'m14bt' -> 'M1 4BT': UK postcodes always end in a three-character inward code."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def outward_code(postcode: str) -> str:
    """The district part of a UK postcode ('M1 4BT' -> 'M1'); '' for a code with no letters (a US ZIP, which
    has no outward code: '78701' is not 'an area called 78')."""
    normal = normalise_postcode(postcode)
    return normal.split(" ")[0] if re.search(r"[A-Z]", normal) else ""


def delivery_area(postcode: str) -> str:
    """The area a carrier delivers a postcode from: a UK outward code ('M1'), a US ZIP's first three digits
    (its sectional centre, '787'); '' when neither."""
    digits = re.sub(r"\D", "", postcode or "")
    return outward_code(postcode) or (digits[:3] if len(digits) in (5, 9) else "")


def postcode_area(postcode: str) -> str:
    """The leading letters of a postcode ('SW11 1AA' -> 'SW')."""
    match = re.match(r"[A-Z]+", outward_code(postcode))
    return match.group(0) if match else ""


UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$")


def is_uk_postcode(postcode: str) -> bool:
    return bool(UK_POSTCODE.match(normalise_postcode(postcode)))


@lru_cache(maxsize=4)
def _table(path: Path = DATA) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def pickup_points_near(postcode: str, *, limit: int = 3, path: Path = DATA) -> list[PickupPoint]:
    """Points in the address's postcode area, nearest first; empty when the area has none."""
    table = _table(path)
    points = table.get("areas", {}).get(postcode_area(postcode), [])
    if not points:
        return []
    centre = table.get("districts", {}).get(outward_code(postcode))
    if centre is None:  # unknown district: centre of the area's points, so the order is still sensible
        centre = (sum(p["lat"] for p in points) / len(points), sum(p["lon"] for p in points) / len(points))
    ranked = sorted(
        ((round(_km(tuple(centre), (p["lat"], p["lon"])), 1), p) for p in points), key=lambda dp: (dp[0], dp[1]["id"])
    )
    return [
        PickupPoint(id=p["id"], name=p["name"], address=p["address"], opening_hours=p["opening_hours"], distance_km=d)
        for d, p in ranked[:limit]
    ]
