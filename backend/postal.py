"""Postal facts for checking an address: which post towns a UK postcode area has, which state a US ZIP is in.

Why here: the carrier's rules (backend/rules_apply.py) and the chat's address check (dialogues/kit/address.py)
must agree on what a consistent address is, so both read one hand-written table
(backend/data/post_towns.json). It is deliberately small and conservative: a town is *guessed* from a
postcode only for the districts listed for it, and a town name counts as contradicting a postcode only
when the table knows it as a post town somewhere else. Anything the table doesn't know (a village, a
district of a city) is left to the shopper, never judged wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "post_towns.json"

# The official shape of a UK postcode (outward + inward code); the inward letters never use C I K M O V.
_UK_SHAPE = re.compile(
    r"^(?:GIR 0AA|(?:[A-Z][0-9]{1,2}|[A-Z][A-HJ-Y][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z][A-HJ-Y][0-9][A-Z]?)"
    r" [0-9][ABD-HJLNP-UW-Z]{2})$"
)
_ZIP = re.compile(r"^(\d{5})(?:-(\d{4}))?$")


@dataclass(frozen=True)
class Area:
    """One UK postcode area: its post towns, and the districts each is known to serve."""

    code: str
    towns: tuple[str, ...]
    districts: dict[str, frozenset[int] | None]  # None: every district of the area

    def town_for(self, district: int | None) -> str | None:
        for town in self.towns:
            served = self.districts[town]
            if served is None or (district is not None and district in served):
                return town
        return None


def _numbers(spec: str) -> frozenset[int]:
    out: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        low, _, high = part.partition("-")
        out.update(range(int(low), int(high or low) + 1))
    return frozenset(out)


@lru_cache(maxsize=2)
def _table(path: Path = DATA) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def uk_area(code: str) -> Area | None:
    spec = _table()["uk_areas"].get(code.upper())
    if spec is None:
        return None
    towns, districts = [], {}
    for entry in (e.strip() for e in spec.split(";")):
        name, has_list, numbers = entry.partition("=")
        towns.append(name.strip())
        districts[name.strip()] = _numbers(numbers) if has_list else None
    return Area(code.upper(), tuple(towns), districts)


# -- UK postcodes ---------------------------------------------------------------------------------------
def uk_postcode(raw: str) -> str | None:
    """'m32bw' -> 'M3 2BW'; None when it isn't a real UK postcode shape."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if not 5 <= len(compact) <= 7:
        return None
    postcode = f"{compact[:-3]} {compact[-3:]}"
    return postcode if _UK_SHAPE.match(postcode) else None


def outward(postcode: str) -> str:
    """'M3 2BW' -> 'M3' (one delivery area)."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    return compact[:-3] if len(compact) > 3 else compact


def area_code(postcode: str) -> str:
    match = re.match(r"[A-Z]+", outward(postcode))
    return match.group(0) if match else ""


def district_number(postcode: str) -> int | None:
    match = re.match(r"[A-Z]+(\d+)", outward(postcode))
    return int(match.group(1)) if match else None


def post_towns(postcode: str) -> tuple[str, ...]:
    """Every post town the table knows in this postcode's area (empty: an area it doesn't know)."""
    area = uk_area(area_code(postcode))
    return area.towns if area else ()


def post_town_for(postcode: str) -> str | None:
    """The post town of this postcode, when the table is sure of it."""
    area = uk_area(area_code(postcode))
    return area.town_for(district_number(postcode)) if area else None


# -- town names ----------------------------------------------------------------------------------------
def town_key(name: str) -> str:
    """How town names compare: case, punctuation, hyphens and "Saint"/"St." don't matter."""
    words = re.sub(r"[^a-z0-9 ]", " ", (name or "").lower().replace("'", "")).split()
    return " ".join("st" if w == "saint" else w for w in words)


def _same_town(given: str, listed: str) -> bool:
    """ "Newcastle" is "Newcastle upon Tyne"; "Stoke" is "Stoke-on-Trent"; "Southend" is "Southend-on-Sea"."""
    a, b = town_key(given), town_key(listed)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short + " ") and long_[len(short) + 1:].split()[0] in _JOINERS


_JOINERS = frozenset({"upon", "on", "under", "in", "super", "le", "by", "next", "la", "de", "sub"})


def town_in_area(name: str, postcode: str) -> str | None:
    """The post town of this postcode's area that `name` names, in the table's spelling (None: not one)."""
    return next((t for t in post_towns(postcode) if _same_town(name, t)), None)


@lru_cache(maxsize=1)
def _all_towns() -> dict[str, tuple[str, tuple[str, ...]]]:
    """town key -> (the table's spelling, the areas it is a post town in)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for code in _table()["uk_areas"]:
        area = uk_area(code)
        for town in area.towns if area else ():
            out.setdefault(town_key(town), (town, []))[1].append(code)
    return {k: (spelled, tuple(codes)) for k, (spelled, codes) in out.items()}


@lru_cache(maxsize=1)
def _short_names() -> dict[str, str]:
    """ "newcastle" -> "Newcastle upon Tyne", "stoke" -> "Stoke-on-Trent": the name before "upon", "on"..."""
    towns, out = _all_towns(), {}
    for key, (spelled, _) in towns.items():
        words = key.split()
        for i, word in enumerate(words[1:], 1):
            short = " ".join(words[:i])
            if word in _JOINERS and len(short) >= 4 and short not in towns:
                out.setdefault(short, spelled)
                break
    return out


def known_town(name: str) -> str | None:
    """The table's spelling of a UK post town, wherever it is (None: not a post town it knows)."""
    towns, key = _all_towns(), town_key(name)
    if key in towns:
        return towns[key][0]
    if key in _short_names():
        return _short_names()[key]
    words = key.split()
    for i, word in enumerate(words[1:], 1):  # "Newcastle-under-Lyme" where the table says "Newcastle"
        short = " ".join(words[:i])
        if word in _JOINERS and len(short) >= 4 and short in towns:
            return towns[short][0]
    return None


def is_county(name: str) -> bool:
    key = town_key(name)
    return any(town_key(c) == key for c in _table()["uk_counties"])


def country_named(name: str) -> str | None:
    """'UK', 'England', 'USA'... -> 'GB' / 'US'."""
    key = town_key(name)
    for country, words in _table()["country_words"].items():
        if any(town_key(w) == key for w in words):
            return country
    return None


# -- US ZIP codes --------------------------------------------------------------------------------------
def us_zip(raw: str) -> str | None:
    match = _ZIP.match((raw or "").strip())
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2)}" if match.group(2) else match.group(1)


@lru_cache(maxsize=1)
def _zip3() -> dict[int, str]:
    out: dict[int, str] = {}
    for span, state in _table()["us_zip3"].items():
        low, _, high = span.partition("-")
        for prefix in range(int(low), int(high or low) + 1):
            out[prefix] = state
    return out


def state_for_zip(zip_code: str) -> str | None:
    """The state (USPS code) a ZIP code belongs to, from its first three digits."""
    digits = re.sub(r"\D", "", zip_code or "")
    return _zip3().get(int(digits[:3])) if len(digits) >= 5 else None


def state_code(name: str) -> str | None:
    """'TX', 'tx', 'Texas' -> 'TX'; None for anything else."""
    states: dict[str, str] = _table()["us_states"]
    raw = (name or "").strip().rstrip(".")
    if raw.upper() in states and len(raw) == 2:
        return raw.upper()
    key = town_key(raw)
    return next((code for code, full in states.items() if town_key(full) == key), None)


def state_name(code: str) -> str:
    return _table()["us_states"].get((code or "").upper(), code)
