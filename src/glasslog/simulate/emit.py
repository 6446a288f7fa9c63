"""Building LogEvents fast: ids, timestamps, and one `ev()` that assembles a complete event from prebuilt parts.

Events share read-only sub-objects (actor, client, securityContext, request, outcome, authenticationContext) with
other events of the same person / session: treat yielded events as immutable, or copy before mutating.

A history is generated a day ahead of what it yields (events are sorted across people), so the benign stream uses
a `Recorder`: its `ev()` keeps a flat record tuple, and the event becomes a dict (`Emitter.build()`) only when it
is yielded. A buffered day then holds two GC-tracked objects per event instead of four, and the dicts a consumer
drops at once (`glasslog simulate --out` serializes and drops them) never outlive the young generation.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from glasslog.simulate import agents

UUID_EPOCH_100NS = 0x01B21DD213814000  # 1582-10-15 to 1970-01-01 in 100 ns ticks
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MIN_MS = 60_000

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# eventType -> (legacyEventType on success, legacyEventType on failure, displayMessage)
META: dict[str, tuple[str | None, str | None, str]] = {
    "user.session.start": ("core.user_auth.login_success", "core.user_auth.login_failed", "User login to Okta"),
    "policy.evaluate_sign_on": (None, None, "Evaluation of sign-on policy"),
    "user.authentication.auth_via_mfa": ("core.user.factor.attempt_success", "core.user.factor.attempt_fail",
                                         "Authentication of user via MFA"),
    "user.authentication.sso": ("app.auth.sso", "app.auth.sso", "User single sign on to app"),
    "user.session.access_admin_app": (None, None, "User accessing Okta admin app"),
    "user.authentication.auth_via_richclient": ("core.user_auth.login_success", "core.user_auth.login_failed",
                                                "Authentication of user via Rich Client"),
    "user.authentication.auth_via_radius": ("core.user_auth.radius.login.succeeded",
                                            "core.user_auth.radius.login.failed", "Authentication of user via Radius"),
    "user.authentication.auth_via_AD_agent": (None, None, "Authentication of user via AD agent"),
    "user.authentication.verify": (None, None, "Verify user identity"),
    "user.session.end": ("core.user_auth.logout_success", None, "User logout from Okta"),
    "user.account.lock": ("core.user_auth.account_locked", "core.user_auth.account_locked",
                          "Max sign in attempts exceeded"),
    "user.account.unlock": ("core.user.config.user_status.account_unlock", None, "Unlock user account"),
    "user.account.unlock_by_admin": ("core.user.config.user_status.account_unlock_by_admin", None,
                                     "Unlock user account by admin"),
    "user.account.update_password": ("core.user.config.password_update.success",
                                     "core.user.config.password_update.failure", "User update password for Okta"),
    "user.account.reset_password": ("core.user.config.user_status.password_reset", None, "Reset password for user"),
    "user.account.update_profile": (None, None, "Update user profile for Okta"),
    "user.mfa.factor.activate": ("core.user.factor.activate", None, "User set up MFA factor"),
    "user.mfa.factor.deactivate": ("core.user.factor.deactivate", None, "Reset factor for user"),
    "system.push.send_factor_verify_push": (None, None, "Push notification sent to the user's device"),
    "user.mfa.okta_verify.deny_push": (None, None, "User rejected Okta Verify push"),
    "group.user_membership.add": ("core.user_group_member.user_add", None, "Add user to group membership"),
    "group.user_membership.remove": ("core.user_group_member.user_remove", None, "Remove user from group membership"),
    "application.user_membership.add": ("app.generic.provision.assign_user_to_app", None,
                                        "Add user to application membership"),
    "application.user_membership.remove": ("app.generic.unprovision.unassign_user_from_app", None,
                                           "Remove user from application membership"),
    "policy.rule.update": (None, None, "Update policy rule"),
    "policy.lifecycle.update": (None, None, "Update policy"),
    "zone.update": (None, None, "Update network zone"),
    "system.api_token.create": ("api.token.create", None, "Create API token"),
    "system.api_token.revoke": ("api.token.revoke", None, "Revoke API token"),
    "support.org.view": (None, None, "Okta support viewed org data"),
    "support.org.update": (None, None, "Okta support updated org data"),
    "user.session.impersonation.grant": ("core.user.impersonation.grant.enabled", None,
                                         "Enable impersonation grant"),
    "user.session.impersonation.extend": ("core.user.impersonation.grant.extended", None,
                                          "Extend impersonation grant"),
    "user.session.impersonation.revoke": ("core.user.impersonation.grant.revoked", None,
                                          "Revoke impersonation grant"),
    "user.session.impersonation.initiate": ("core.user.impersonation.session.initiated", None,
                                            "User session impersonation initiated"),
    "user.session.impersonation.end": ("core.user.impersonation.session.ended", None,
                                       "User session impersonation ended"),
    "user.account.privilege.grant": ("core.user.admin_privilege.granted", None, "Grant user privilege"),
    "user.account.privilege.revoke": ("core.user.admin_privilege.revoked", None, "Revoke user privilege"),
    "system.import.start": ("app.user_management.import.start", None, "Import started"),
    "system.import.complete": ("app.user_management.import.complete", None, "Import completed"),
    "user.lifecycle.create": ("core.user.config.user_creation.success", None, "Create Okta user"),
    "user.lifecycle.activate": ("core.user.config.user_activated", None, "Activate Okta user"),
    "user.lifecycle.deactivate": ("core.user.config.user_deactivated", None, "Deactivate Okta user"),
}

WARN_FAILURES = {"user.session.start", "user.authentication.auth_via_mfa", "user.authentication.auth_via_richclient",
                 "user.authentication.auth_via_radius", "user.account.lock", "user.mfa.okta_verify.deny_push"}
WARN_ALWAYS = {"user.account.lock", "user.account.privilege.grant", "user.mfa.factor.deactivate",
               "system.api_token.create", "zone.update", "policy.rule.update", "user.session.impersonation.grant",
               "user.session.impersonation.initiate", "support.org.update"}


def outcome(result: str, reason: str | None = None) -> dict:
    return {"result": result, "reason": reason}


SUCCESS = outcome("SUCCESS")
ALLOW = outcome("ALLOW", "Sign-on policy evaluation resulted in ALLOW")
CHALLENGE = outcome("CHALLENGE", "Sign-on policy evaluation resulted in CHALLENGE")
DENY = outcome("DENY", "Sign-on policy evaluation resulted in DENY")
INVALID_CREDENTIALS = outcome("FAILURE", "INVALID_CREDENTIALS")
UNKNOWN_USER = outcome("FAILURE", "UNKNOWN_USER")
LOCKED_OUT = outcome("FAILURE", "LOCKED_OUT")
VERIFICATION_ERROR = outcome("FAILURE", "VERIFICATION_ERROR")
PUSH_REJECTED = outcome("FAILURE", "User rejected Okta push verify")

EMPTY: dict = {}

_HM = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_S = [f"{s:02d}." for s in range(60)]
_MS = [f"{ms:03d}Z" for ms in range(1000)]


def _mid(v: int) -> str:
    """The middle of a version-1 UUID whose 60-bit time is v: "-time_mid-1time_hi-"."""
    return f"-{(v >> 32) & 0xFFFF:04x}-1{v >> 48:03x}-"


class Ctx:
    """Where a request comes from: client, securityContext and request.ipChain, built once and shared."""

    __slots__ = ("client", "security", "request", "info", "ua", "zone", "dt")

    def __init__(self, info, ua_raw: str, zone: str | None, dt: str, is_proxy: bool | None = None) -> None:  # noqa: ANN001
        ua, device = agents.parse(ua_raw)
        self.info = info
        self.ua = ua_raw
        self.zone = zone
        self.dt = dt  # dtHash of the device token this client carries
        self.client = {"userAgent": ua, "zone": zone, "device": device, "id": None, "ipAddress": info.ip,
                       "geographicalContext": info.geo}
        sec = info.security
        if is_proxy is not None and sec["isProxy"] != is_proxy:
            sec = dict(sec, isProxy=is_proxy)
        self.security = sec
        self.request = {"ipChain": [info.chain_entry]}


class Emitter:
    """Owns the RNG-driven ids and assembles events. One per independent stream (benign, attacks)."""

    def __init__(self, rng: random.Random, node_salt: int = 0) -> None:
        self.rng = rng
        self.nodes = [(rng.getrandbits(48) | 0x010000000000) ^ node_salt for _ in range(48)]
        self.days: dict[int, str] = {}  # day number -> "YYYY-MM-DDT"
        self.minutes: dict[int, str] = {}  # minute number -> "YYYY-MM-DDThh:mm:"
        self.mids: dict[int, str] = {}  # uuid time >> 32 -> "-time_mid-1time_hi-"
        self.seq = 0
        self.tails = [f"{0x8000 | rng.getrandbits(14):04x}-{rng.choice(self.nodes):012x}" for _ in range(4096)]

    # ---- ids -------------------------------------------------------------------------------------------------
    def okta_id(self, prefix: str) -> str:
        r = self.rng
        return prefix + "".join(r.choice(ALNUM) for _ in range(17))

    def session_id(self) -> str:
        return "idx" + base64.urlsafe_b64encode(self.rng.getrandbits(132).to_bytes(17, "big")).decode()[:22]

    def request_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def hex64(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def uuid(self, t: int) -> str:
        """A version-1 UUID whose time is the event's (as Okta's are), with a random clock sequence and node.
        Its time_mid and time_hi fields change every 7 minutes, so they are formatted once (`mids`)."""
        self.seq = seq = (self.seq + 1) % 10000
        v = t * 10000 + seq + UUID_EPOCH_100NS
        mid = self.mids.get(v >> 32)
        if mid is None:
            mid = self.mids[v >> 32] = _mid(v)
        return f"{v & 0xFFFFFFFF:08x}{mid}{self.tails[self.rng.getrandbits(12)]}"

    # ---- time ------------------------------------------------------------------------------------------------
    def stamp(self, t: int) -> str:
        """`published` for epoch milliseconds t; the date and hh:mm part is formatted once a minute (`minutes`)."""
        m, ms = divmod(t, MIN_MS)
        prefix = self.minutes.get(m)
        if prefix is None:
            day, hm = divmod(m, 1440)
            prefix = self.days.get(day)
            if prefix is None:
                prefix = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
            prefix = self.minutes[m] = prefix + _HM[hm]
        s, ms = divmod(ms, 1000)
        return prefix + _S[s] + _MS[ms]

    # ---- events ----------------------------------------------------------------------------------------------
    def build(self, rec: tuple) -> dict:
        """The LogEvent of a record (see `Recorder`); a `(t, event)` pair is an event built already."""
        return rec[1] if len(rec) == 2 else build_event(rec, self.stamp)

    def ev(self, t: int, etype: str, actor: dict, ctx: Ctx, out: dict, target: list | None, txn: str,
           debug: dict, auth: dict, device: dict | None = None, ttype: str = "WEB", tdetail: dict = EMPTY) -> dict:
        return build_event((t, self.uuid(t), etype, actor, ctx, out, target, txn, debug, auth, device, ttype, tdetail),
                     self.stamp)


class Recorder(Emitter):
    """An Emitter whose `ev()` returns a record, `(t, uuid, etype, actor, ctx, outcome, target, txn, debugData,
    authenticationContext, device, transaction type, transaction detail)`, for `build()` to turn into the event
    when it is yielded. The uuid is drawn now, so the RNG stream (and the output) does not depend on when the
    record is built. Only for streams whose events nobody inspects before they are yielded (benign history).

    After `serialize(lo, hi)`, `ev()` returns `(t, NDJSON line)` instead: the event is built and serialized at
    once, while it and the person's shared sub-objects are still in the CPU cache (serializing the same event
    after the day's sort, interleaved with 2,000 other people's, costs about three times as much), and the
    buffered day is then flat bytes. Events outside [lo, hi] (the simulated margin days, clipped later anyway)
    get an empty line, never serialized; their uuid is still drawn, so the RNG stream is the same."""

    def __init__(self, rng: random.Random, node_salt: int = 0) -> None:
        super().__init__(rng, node_salt)
        self.lines = False
        self.lo = self.hi = 0

    def serialize(self, lo: int, hi: int) -> None:
        """Make `ev()` return `(t, line)` pairs, serializing only events with lo <= t <= hi."""
        self.lines, self.lo, self.hi = True, lo, hi

    def ev(self, t: int, etype: str, actor: dict, ctx: Ctx, out: dict, target: list | None,  # type: ignore[override]
           txn: str, debug: dict, auth: dict, device: dict | None = None, ttype: str = "WEB",
           tdetail: dict = EMPTY) -> tuple:
        # uuid() and (for lines) stamp() inlined: this runs once per benign event
        self.seq = seq = (self.seq + 1) % 10000
        v = t * 10000 + seq + UUID_EPOCH_100NS
        mid = self.mids.get(v >> 32)
        if mid is None:
            mid = self.mids[v >> 32] = _mid(v)
        uuid = f"{v & 0xFFFFFFFF:08x}{mid}{self.tails[self.rng.getrandbits(12)]}"
        if not self.lines:
            return (t, uuid, etype, actor, ctx, out, target, txn, debug, auth, device, ttype, tdetail)
        if not self.lo <= t <= self.hi:
            return (t, b"")
        m, ms = divmod(t, MIN_MS)
        prefix = self.minutes.get(m)
        if prefix is None:
            self.stamp(t)
            prefix = self.minutes[m]
        s, ms = divmod(ms, 1000)
        # orjson's bytes keep its whole (over-allocated) buffer: an exact-size copy halves what a buffered day holds
        return (t, bytes(memoryview(_dumps(_event(prefix + _S[s] + _MS[ms], uuid, etype, actor, ctx, out, target,
                                                  txn, debug, auth, device, ttype, tdetail)))))


# eventType -> (severity, legacyEventType, displayMessage), on success and on failure (FAILURE or DENY)
_OK = {k: ("WARN" if k in WARN_ALWAYS else "INFO", ok, msg) for k, (ok, _bad, msg) in META.items()}
_BAD = {k: ("WARN" if k in WARN_FAILURES else "INFO", bad, msg) for k, (_ok, bad, msg) in META.items()}
_FAILED = ("FAILURE", "DENY")
_dumps = orjson.dumps


def build_event(rec: tuple, stamp: Callable[[int], str]) -> dict:
    """The LogEvent of a record (see `Recorder`); `stamp` renders its time (an Emitter's `stamp`)."""
    t, uuid, etype, actor, ctx, out, target, txn, debug, auth, device, ttype, tdetail = rec
    return _event(stamp(t), uuid, etype, actor, ctx, out, target, txn, debug, auth, device, ttype, tdetail)


def _event(published: str, uuid: str, etype: str, actor: dict, ctx: Ctx, out: dict, target: list | None, txn: str,
           debug: dict, auth: dict, device: dict | None, ttype: str, tdetail: dict) -> dict:
    """A LogEvent dict (its key order is the output's)."""
    sev, legacy, msg = (_BAD if out["result"] in _FAILED else _OK)[etype]
    return {
        "uuid": uuid,
        "published": published,
        "eventType": etype,
        "version": "0",
        "severity": sev,
        "legacyEventType": legacy,
        "displayMessage": msg,
        "actor": actor,
        "client": ctx.client,
        "device": device,
        "authenticationContext": auth,
        "outcome": out,
        "target": target,
        "transaction": {"type": ttype, "id": txn, "detail": tdetail},
        "debugContext": {"debugData": debug},
        "securityContext": ctx.security,
        "request": ctx.request,
    }
