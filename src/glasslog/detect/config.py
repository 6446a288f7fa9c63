"""Per-org detection settings (meta kind "detect_config", key "config"), over documented defaults.

Settings and defaults:

- `disabled` = []: rule ids/names that never run
- `thresholds.<rule name>`: `{"count": N, "timespan": "10m"}` overriding a correlation's condition/window
- `placeholders.<name>`: values for Sigma `|expand %name%` placeholders (unset: the placeholder matches nothing)
- `travel_kmh` = 900, `travel_min_km` = 500: impossible travel speed and the shortest hop considered
- `vpn_asns` / `vpn_as_orgs` / `vpn_ips` / `vpn_zone_words`: sign-ins from these are VPN egress, not travel
  (defaults: none / common VPN providers / none / ["vpn"])
- `spray_min_accounts` = 10, `spray_min_ips` = 3, `spray_window` = "1h": distributed spray (accounts failed
  from sources that never signed anyone in)
- `after_attack_window` = "24h": successful sign-in after a credential attack, how long after
- `merge_gap` = "1h": alerts of one rule and grouping key closer than this are one alert
- `rule_paths` = []: extra Sigma files/directories loaded for this org
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

META_KIND = "detect_config"
META_KEY = "config"

DEFAULT_VPN_AS_ORGS = ("nordvpn", "expressvpn", "private internet access", "mullvad", "proton", "surfshark",
                       "cyberghost", "ipvanish", "zscaler", "cloudflare warp", "palo alto networks globalprotect")

_SPAN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def seconds(span: str | int | float) -> int:
    """'10m' → 600 (Sigma timespan syntax); numbers are seconds."""
    if isinstance(span, int | float):
        return int(span)
    m = _SPAN.match(span)
    if not m:
        raise ValueError(f"not a timespan: {span!r} (use e.g. 30s, 10m, 1h, 1d)")
    return int(m.group(1)) * _UNIT[m.group(2)]


@dataclass
class DetectConfig:
    disabled: list[str] = field(default_factory=list)
    thresholds: dict[str, dict[str, Any]] = field(default_factory=dict)
    placeholders: dict[str, list[str]] = field(default_factory=dict)
    travel_kmh: float = 900.0
    travel_min_km: float = 500.0
    vpn_asns: list[int] = field(default_factory=list)
    vpn_as_orgs: list[str] = field(default_factory=lambda: list(DEFAULT_VPN_AS_ORGS))
    vpn_ips: list[str] = field(default_factory=list)
    vpn_zone_words: list[str] = field(default_factory=lambda: ["vpn"])
    spray_min_accounts: int = 10
    spray_min_ips: int = 3
    spray_window: str = "1h"
    after_attack_window: str = "24h"
    merge_gap: str = "1h"
    rule_paths: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, doc: dict[str, Any] | None) -> DetectConfig:
        cfg = cls()
        for key, value in (doc or {}).items():
            if not hasattr(cfg, key):
                raise ValueError(f"unknown detection setting {key!r}")
            setattr(cfg, key, value)
        for span in (cfg.spray_window, cfg.after_attack_window, cfg.merge_gap):
            seconds(span)
        return cfg

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_config(store: Any, org: str) -> DetectConfig:
    return DetectConfig.from_dict(store.get_meta(org, META_KIND, META_KEY))


def save_config(store: Any, org: str, doc: dict[str, Any]) -> DetectConfig:
    cfg = DetectConfig.from_dict(doc)
    store.put_meta(org, META_KIND, META_KEY, cfg.as_dict())
    return cfg
