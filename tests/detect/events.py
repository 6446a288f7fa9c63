"""Building LogEvents for detection tests: a complete, valid event with overridable parts."""

from __future__ import annotations

import copy
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2024, 8, 13, 12, 0, 0, tzinfo=UTC)
BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/17.5 Safari/605.1.15")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"

CITIES = {
    "nyc": ("New York", "New York", "United States", 40.71, -74.0),
    "sf": ("San Francisco", "California", "United States", 37.77, -122.42),
    "london": ("London", "England", "United Kingdom", 51.5, -0.12),
    "moscow": ("Moscow", "Moscow", "Russia", 55.75, 37.62),
}


def stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def event(event_type: str = "user.session.start", *, at: datetime | None = None, minutes: float = 0,
          actor: str = "alice@example.com", ip: str = "203.0.113.10", ua: str = BROWSER, city: str = "nyc",
          result: str = "SUCCESS", reason: str | None = None, session: str | None = "102sessAAA",
          dt_hash: str | None = None, proxy: bool = False, as_org: str = "Example ISP", asn: int = 64500,
          target: list[dict[str, Any]] | None = None, debug: dict[str, Any] | None = None,
          display: str | None = None, legacy: str | None = None, **extra: Any) -> dict[str, Any]:
    t = (at or T0) + timedelta(minutes=minutes)
    c, s, country, lat, lon = CITIES[city]
    geo = {"city": c, "state": s, "country": country, "postalCode": None,
           "geolocation": {"lat": lat, "lon": lon}}
    data = {"requestId": uuidlib.uuid4().hex[:20], "requestUri": "/idp/idx/identify", "threatSuspected": "false"}
    if dt_hash:
        data["dtHash"] = dt_hash
    data.update(debug or {})
    ev: dict[str, Any] = {
        "uuid": str(uuidlib.uuid4()),
        "published": stamp(t),
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "legacyEventType": legacy,
        "displayMessage": display,
        "actor": {"id": "00u" + actor[:5], "type": "User", "alternateId": actor, "displayName": actor.split("@")[0],
                  "detailEntry": None},
        "client": {"userAgent": {"rawUserAgent": ua, "os": "Mac OS X", "browser": "SAFARI"}, "zone": "null",
                   "device": "Computer", "id": None, "ipAddress": ip, "geographicalContext": geo},
        "device": None,
        "outcome": {"result": result, "reason": reason},
        "target": target,
        "transaction": {"type": "WEB", "id": uuidlib.uuid4().hex[:16], "detail": {}},
        "debugContext": {"debugData": data},
        "authenticationContext": {"authenticationProvider": None, "credentialProvider": None,
                                  "credentialType": None, "issuer": None, "externalSessionId": session,
                                  "interface": None, "authenticationStep": 0, "rootSessionId": session},
        "securityContext": {"asNumber": asn, "asOrg": as_org, "isp": as_org, "domain": "example.net",
                            "isProxy": proxy},
        "request": {"ipChain": [{"ip": ip, "geographicalContext": geo, "version": "V4", "source": None}]},
    }
    for k, v in extra.items():
        ev[k] = v
    return ev


def tweak(ev: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(ev)
    out["uuid"] = str(uuidlib.uuid4())
    node = out
    keys = path.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value
    return out
