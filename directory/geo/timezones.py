"""Indonesia's three time zones follow the province: WIB, WITA and WIT. Pure module."""

from __future__ import annotations

from zoneinfo import ZoneInfo

# Province codes (Kemendagri) by zone. Every province not listed is WIB.
_WITA_PROVINCES = frozenset(
    {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
)
_WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})

ZONES: dict[str, ZoneInfo] = {
    "WIB": ZoneInfo("Asia/Jakarta"),
    "WITA": ZoneInfo("Asia/Makassar"),
    "WIT": ZoneInfo("Asia/Jayapura"),
}
UTC_OFFSET_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}


def province_code(region_code: str) -> str:
    """``36.04.01`` -> ``36``."""
    return region_code.split(".", 1)[0]


def zone_name(region_code: str) -> str:
    """The zone abbreviation (WIB, WITA, WIT) for any region code."""
    province = province_code(region_code)
    if province in _WIT_PROVINCES:
        return "WIT"
    if province in _WITA_PROVINCES:
        return "WITA"
    return "WIB"


def zone_info(region_code: str) -> ZoneInfo:
    return ZONES[zone_name(region_code)]
