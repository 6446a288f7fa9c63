"""Recent, varied LogEvents for the console's tests and benchmark: sign-ins from a few cities with mixed
outcomes, a scripted password spray from one of them, MFA, SSO into apps, admin work, so the default 7-day
view has a chart, trends and a map to show. Deterministic for a seed; every timestamp is within `days` before `end`."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

USERS = [
    ("00u1alice", "alice@acme.example", "Alice Martin"),
    ("00u2bob", "bob@acme.example", "Bob Chen"),
    ("00u3carol", "carol@acme.example", "Carol Diaz"),
    ("00u4dan", "dan@acme.example", "Dan Okafor"),
    ("00u5erin", "erin@acme.example", "Erin Novak"),
    ("00u6frank", "frank@acme.example", "Frank Müller"),
]
PLACES = [
    ("San Francisco", "California", "United States", 37.7749, -122.4194, "198.51.100.10"),
    ("New York", "New York", "United States", 40.7128, -74.006, "198.51.100.20"),
    ("London", "England", "United Kingdom", 51.5072, -0.1276, "203.0.113.30"),
    ("Berlin", "Berlin", "Germany", 52.52, 13.405, "203.0.113.40"),
    ("Sydney", "New South Wales", "Australia", -33.8688, 151.2093, "192.0.2.50"),
    ("São Paulo", "São Paulo", "Brazil", -23.5505, -46.6333, "192.0.2.60"),
    ("Lagos", "Lagos", "Nigeria", 6.5244, 3.3792, "192.0.2.70"),
]
APPS = [("0oa1box", "Box"), ("0oa2slack", "Slack"), ("0oa3aws", "AWS Console"), ("0oa4gh", "GitHub")]
UAS = [
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "CHROME",
     "Mac OS X"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "FIREFOX", "Windows 10"),
    ("Python-urllib/2.7", "UNKNOWN", "Unknown"),
]
# (eventType, displayMessage, weight)
KINDS = [
    ("user.session.start", "User login to Okta", 30),
    ("policy.evaluate_sign_on", "Evaluation of sign-on policy", 15),
    ("user.authentication.auth_via_mfa", "Authentication of user via MFA", 15),
    ("user.authentication.sso", "User single sign on to app", 20),
    ("user.session.access_admin_app", "User accessing Okta admin app", 4),
    ("user.account.lock", "Max sign in attempts exceeded", 2),
    ("group.user_membership.add", "Add user to group membership", 3),
    ("user.account.privilege.grant", "Grant user privilege", 1),
    ("user.mfa.factor.deactivate", "Reset factor for user", 1),
    ("user.session.end", "User logout from Okta", 9),
]


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def make(kind: tuple[str, str, int], when: datetime, rnd: random.Random) -> dict[str, Any]:
    etype, message, _ = kind
    uid, login, name = rnd.choice(USERS)
    city, state, country, lat, lon, ip = rnd.choice(PLACES)
    ua, browser, os_ = rnd.choice(UAS[:2])
    spray = city == "Lagos" and rnd.random() < 0.8  # a password spray from one place, by script
    if spray:
        etype, message = "user.session.start", "User login to Okta"
        ua, browser, os_ = UAS[2]
    session = "102" + uuid.UUID(int=rnd.getrandbits(128)).hex[:22]
    result, reason = "SUCCESS", None
    target = None
    if spray:
        result, reason = "FAILURE", rnd.choice(["INVALID_CREDENTIALS", "INVALID_CREDENTIALS", "UNKNOWN_USER"])
    elif etype == "user.session.start":
        r = rnd.random()
        if r < 0.15:
            result, reason = "FAILURE", "INVALID_CREDENTIALS"
        elif r < 0.22:
            result, reason = "FAILURE", "UNKNOWN_USER"
    elif etype == "user.authentication.auth_via_mfa" and rnd.random() < 0.2:
        result, reason = "FAILURE", "INVALID_CREDENTIALS"
    elif etype == "policy.evaluate_sign_on":
        result = rnd.choice(["ALLOW", "CHALLENGE", "ALLOW", "DENY"])
    elif etype == "user.authentication.sso":
        app_id, app = rnd.choice(APPS)
        target = [{"id": app_id, "type": "AppInstance", "alternateId": app, "displayName": app, "detailEntry": None},
                  {"id": "0ua" + uid[3:], "type": "AppUser", "alternateId": login, "displayName": name,
                   "detailEntry": None}]
    elif etype in ("group.user_membership.add", "user.account.privilege.grant"):
        other = rnd.choice(USERS)
        target = [{"id": other[0], "type": "User", "alternateId": other[1], "displayName": other[2],
                   "detailEntry": None}]
        if etype == "group.user_membership.add":
            target.append({"id": "00g1eng", "type": "UserGroup", "alternateId": "unknown", "displayName": "Engineering",
                           "detailEntry": None})
    debug: dict[str, Any] = {"requestId": uuid.UUID(int=rnd.getrandbits(128)).hex[:24], "threatSuspected": "false"}
    if etype == "user.account.privilege.grant":
        debug["privilegeGranted"] = rnd.choice(["Super administrator", "Read-only administrator"])
    return {
        "uuid": str(uuid.UUID(int=rnd.getrandbits(128))),
        "published": _iso(when),
        "eventType": etype,
        "version": "0",
        "severity": "WARN" if result in ("FAILURE", "DENY") else "INFO",
        "legacyEventType": None,
        "displayMessage": message,
        "actor": {"id": uid, "type": "User", "alternateId": login, "displayName": name, "detailEntry": None},
        "client": {"userAgent": {"rawUserAgent": ua, "os": os_, "browser": browser}, "zone": "null",
                   "device": "Computer", "id": None, "ipAddress": ip,
                   "geographicalContext": {"city": city, "state": state, "country": country, "postalCode": None,
                                           "geolocation": {"lat": lat, "lon": lon}}},
        "outcome": {"result": result, "reason": reason},
        "target": target,
        "transaction": {"type": "WEB", "id": debug["requestId"], "detail": {}},
        "debugContext": {"debugData": debug},
        "authenticationContext": {"authenticationProvider": None, "credentialProvider": None,
                                  "credentialType": None, "issuer": None, "externalSessionId": session,
                                  "interface": None, "authenticationStep": 0},
        "securityContext": {"asNumber": None, "asOrg": None, "isp": None, "domain": None, "isProxy": False},
        "request": {"ipChain": [{"ip": ip, "geographicalContext": {"city": city, "state": state, "country": country,
                                                                    "postalCode": None,
                                                                    "geolocation": {"lat": lat, "lon": lon}},
                                 "version": "V4", "source": None}]},
    }


def generate(n: int, days: float = 7, end: datetime | None = None, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`n` events spread over the `days` before `end` (default: now minus a minute), with a busier last day."""
    rnd = random.Random(seed)
    end = end or datetime.now(UTC) - timedelta(minutes=1)
    span = days * 86400
    weights = [k[2] for k in KINDS]
    for _ in range(n):
        back = rnd.random() ** 1.6 * span  # denser towards the present
        yield make(rnd.choices(KINDS, weights)[0], end - timedelta(seconds=back), rnd)
