"""Ordinary working life: sign-in flows, SSO, rich clients, RADIUS, admin work, help desk, scheduled jobs,
travel, VPN, provider support, and the benign look-alikes of every attack."""

from __future__ import annotations

import json
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from glasslog.simulate import emit as E
from glasslog.simulate.emit import DAY_MS, HOUR_MS, MIN_MS, Ctx, Emitter
from glasslog.simulate.geo import HOME_KINDS, GeoIP, distance_km
from glasslog.simulate.org import ROLES, Org, Person, travel_destinations

BEHAVIOR_KEYS = ("New Geo-Location", "New Device", "New IP", "New State", "New Country", "Velocity", "New City")


def behaviors_string(flags: dict) -> str:
    return "{" + ", ".join(f"{k}={'POSITIVE' if flags.get(k) else 'NEGATIVE'}" for k in BEHAVIOR_KEYS) + "}"


NO_BEHAVIOR = behaviors_string({})
RISK_LOW = "{level=LOW}"


def risk_for(flags: dict) -> tuple[str, str]:
    reasons = [k for k in ("Velocity", "New Country", "New Device", "New City", "New IP") if flags.get(k)]
    if not reasons:
        return "LOW", RISK_LOW
    level = "HIGH" if flags.get("Velocity") or (flags.get("New Country") and flags.get("New Device")) else "MEDIUM"
    return level, "{reasons=" + ", ".join(f"Anomalous {r[4:] if r.startswith('New ') else r}" for r in reasons) + \
        f", level={level}}}"


class Session:
    """One Okta session: its id and the prebuilt authenticationContext dicts its events share."""

    __slots__ = ("sid", "pw", "mfa", "sso", "beh", "risk", "ctx", "actor", "level")

    def __init__(self, sid: str | None, provider: str, cred: str, mfa_cred: str) -> None:
        self.sid = sid
        base = {"authenticationProvider": provider, "credentialProvider": "OKTA_CREDENTIAL_PROVIDER",
                "credentialType": cred, "issuer": None, "interface": None, "authenticationStep": 0,
                "externalSessionId": sid, "rootSessionId": sid}
        self.pw = base
        self.mfa = dict(base, credentialType=mfa_cred, authenticationStep=1)
        self.sso = dict(base, authenticationProvider=None, credentialProvider=None, credentialType=None)


FAILED_PW = {"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER", "credentialProvider": "OKTA_CREDENTIAL_PROVIDER",
             "credentialType": "PASSWORD", "issuer": None, "interface": None, "authenticationStep": 0,
             "externalSessionId": None, "rootSessionId": None}
NO_SESSION = {"authenticationProvider": None, "credentialProvider": None, "credentialType": None, "issuer": None,
              "interface": None, "authenticationStep": 0, "externalSessionId": None, "rootSessionId": None}


_SECURITY_DATA: dict[tuple[str, str], str] = {}  # (risk level, behaviors) -> logOnlySecurityData


def auth_iface(cred: str, iface: str, provider: str = "OKTA_AUTHENTICATION_PROVIDER") -> dict:
    return dict(FAILED_PW, authenticationProvider=provider, credentialType=cred, interface=iface)


RICH = auth_iface("PASSWORD", "Outlook")
RADIUS = auth_iface("PASSWORD", "RADIUS")
AD_AUTH = auth_iface("PASSWORD", None, "ACTIVE_DIRECTORY")


class Flows:
    """Event flows shared by benign life and attacks. `out` is the list events are appended to."""

    def __init__(self, org: Org, em: Emitter, geo: GeoIP) -> None:
        self.org = org
        self.em = em
        self.rng = em.rng
        self.geo = geo
        self.out: list[dict] = []
        self.sign_ins = 0

    # -- the sign-in flow ------------------------------------------------------------------------------------
    def assess(self, p: Person, ctx: Ctx, t: int, learn: bool = True,
               flags: dict | None = None) -> tuple[str, str, str, bool]:
        """behaviors string, risk string, risk level, any positive (and update what the person is known from).
        With `flags` given (attacks), those behaviors are used and nothing about the person changes."""
        if flags is not None:
            if not flags:
                return NO_BEHAVIOR, RISK_LOW, "LOW", False
            level, risk = risk_for(flags)
            return behaviors_string(flags), risk, level, True
        info = ctx.info
        geo = info.geo
        flags = {}
        if info.ip not in p.known_ips:
            flags["New IP"] = True
        if ctx.dt not in p.known_dt:
            flags["New Device"] = True
        if geo["city"] not in p.known_cities:
            flags["New City"] = flags["New Geo-Location"] = True
        if geo["country"] not in p.known_countries:
            flags["New Country"] = flags["New State"] = True
        ll = geo["geolocation"]
        if p.last_loc is not None:
            lt, la, lo = p.last_loc
            hours = max((t - lt) / HOUR_MS, 1 / 60)
            if distance_km(la, lo, ll["lat"], ll["lon"]) / hours > 900 and \
                    distance_km(la, lo, ll["lat"], ll["lon"]) > 500:
                flags["Velocity"] = True
        if learn:
            p.known_ips.add(info.ip)
            p.known_dt.add(ctx.dt)
            p.known_cities.add(geo["city"])
            p.known_countries.add(geo["country"])
            p.last_loc = (t, ll["lat"], ll["lon"])
        if not flags:
            return NO_BEHAVIOR, RISK_LOW, "LOW", False
        level, risk = risk_for(flags)
        return behaviors_string(flags), risk, level, True

    def sign_in(self, p: Person, ctx: Ctx, t: int, *, mfa: bool | None = None, typos: int = 0,
                deny_first: int = 0, learn: bool = True, sess: Session | None = None, flags: dict | None = None,
                gap: tuple[int, int] = (3000, 15000), accept: bool = True, uri: str = "/idp/idx/challenge/answer"
                ) -> tuple[Session, int]:
        """Password (+ AD agent) -> session.start -> policy.evaluate_sign_on -> MFA. Returns (session, time)."""
        em, out, org = self.em, self.out, self.org
        rng = self.rng
        self.sign_ins += 1
        beh, risk, level, positive = self.assess(p, ctx, t, learn, flags)
        dbase = {"threatSuspected": "false", "behaviors": beh, "risk": risk}
        for _ in range(typos):
            rid = em.request_id()
            out.append(em.ev(t, "user.session.start", p.actor, ctx, E.INVALID_CREDENTIALS, None, rid,
                             dict(dbase, requestId=rid, requestUri=uri, url=uri + "?", dtHash=ctx.dt),
                             FAILED_PW))
            t += rng.randint(4000, 25000)
        if sess is None:
            sess = Session(em.session_id(), "ACTIVE_DIRECTORY" if p.ad else "OKTA_AUTHENTICATION_PROVIDER",
                           "PASSWORD", "OTP" if p.totp else "ASSERTION")
        sess.beh, sess.risk, sess.ctx, sess.actor, sess.level = beh, risk, ctx, p.actor, level
        rid = em.request_id()
        if p.ad:
            out.append(em.ev(t, "user.authentication.auth_via_AD_agent", p.actor, ctx, E.SUCCESS, [org.ad_app], rid,
                             {"requestId": rid, "requestUri": "/idp/idx/challenge/answer",
                              "url": "/idp/idx/challenge/answer?", "threatSuspected": "false"}, AD_AUTH))
            t += rng.randint(150, 900)
        sec = _SECURITY_DATA.get((level, beh))
        if sec is None:  # a handful of distinct values: serialize each once
            sec = _SECURITY_DATA[level, beh] = json.dumps({"risk": {"level": level}, "behaviors": beh.strip("{}")},
                                                          separators=(",", ":"))
        out.append(em.ev(t, "user.session.start", p.actor, ctx, E.SUCCESS,
                         [org.authenticators["Password"], org.dashboard], rid,
                         dict(dbase, requestId=rid, requestUri=uri, url=uri + "?", dtHash=ctx.dt,
                              logOnlySecurityData=sec), sess.pw))
        t += rng.randint(20, 120)
        if mfa is None:
            mfa = not (ctx.zone == "Corporate Offices" and not positive and p.role == "user")
        rule = org.rules["Admins always MFA" if p.role != "user" else
                         "Corporate network" if ctx.zone == "Corporate Offices" else "Require MFA off-network"]
        out.append(em.ev(t, "policy.evaluate_sign_on", p.actor, ctx, E.CHALLENGE if mfa else E.ALLOW,
                         [org.policy, rule], rid,
                         dict(dbase, requestId=rid, requestUri="/idp/idx/challenge/answer",
                              url="/idp/idx/challenge/answer?", dtHash=ctx.dt), sess.pw))
        if mfa:
            t = self.mfa(p, ctx, t, sess, deny_first, accept=accept, gap=gap)
        return sess, t

    def mfa(self, p: Person, ctx: Ctx, t: int, sess: Session, deny: int = 0, accept: bool = True,
            gap: tuple[int, int] = (3000, 15000)) -> int:
        em, out, rng, org = self.em, self.out, self.rng, self.org
        factor = "OKTA_VERIFY_PUSH"
        auth_t = org.authenticators["Okta Verify"]
        device = None
        if p.totp:
            factor, auth_t = "GOOGLE_OTP", org.authenticators["Google Authenticator"]
        elif p.fastpass_device is not None and ctx.client["device"] == "Computer" and ctx.dt in p.known_dt and \
                deny == 0:
            factor, auth_t, device = "SIGNED_NONCE", org.authenticators["Okta FastPass"], p.fastpass_device
        dbg = {"factor": factor, "factorIntent": "AUTHENTICATION", "threatSuspected": "false",
               "behaviors": sess.beh, "risk": sess.risk, "dtHash": ctx.dt}
        push = factor == "OKTA_VERIFY_PUSH"
        for _ in range(deny if push else 0):
            t += rng.randint(*gap)
            rid = em.request_id()
            out.append(em.ev(t, "system.push.send_factor_verify_push", p.actor, ctx, E.SUCCESS, [p.user_target], rid,
                             dict(dbg, requestId=rid, requestUri="/idp/idx/authenticators/poll",
                                  url="/idp/idx/authenticators/poll"), sess.mfa))
            t += rng.randint(2000, 12000)
            out.append(em.ev(t, "user.mfa.okta_verify.deny_push", p.actor, ctx, E.PUSH_REJECTED, [p.user_target],
                             rid, dict(dbg, requestId=rid, requestUri="/idp/idx/authenticators/poll",
                                       url="/idp/idx/authenticators/poll"), sess.mfa))
            out.append(em.ev(t + rng.randint(5, 60), "user.authentication.auth_via_mfa", p.actor, ctx,
                             E.VERIFICATION_ERROR, [auth_t], rid,
                             dict(dbg, requestId=rid, requestUri="/idp/idx/authenticators/poll",
                                  url="/idp/idx/authenticators/poll"), sess.mfa))
        if not accept:
            return t
        t += rng.randint(*gap)
        rid = em.request_id()
        uri = "/idp/idx/authenticators/poll" if push else "/idp/idx/challenge/answer"
        if push:
            out.append(em.ev(t, "system.push.send_factor_verify_push", p.actor, ctx, E.SUCCESS, [p.user_target], rid,
                             dict(dbg, requestId=rid, requestUri=uri, url=uri), sess.mfa))
            t += rng.randint(2500, 14000)
        out.append(em.ev(t, "user.authentication.auth_via_mfa", p.actor, ctx, E.SUCCESS, [auth_t], rid,
                         dict(dbg, requestId=rid, requestUri=uri, url=uri), sess.mfa, device=device))
        return t

    def sso(self, p: Person, ctx: Ctx, t: int, sess: Session, app, appuser: dict) -> None:  # noqa: ANN001
        em = self.em
        rid = em.request_id()
        self.out.append(em.ev(t, "user.authentication.sso", p.actor, ctx, E.SUCCESS, [app.target, appuser], rid,
                              {"requestId": rid, "requestUri": app.uri, "url": app.uri, "dtHash": ctx.dt,
                               "initiationType": "IDP_INITIATED", "signOnMode": "SAML 2.0",
                               "threatSuspected": "false", "behaviors": sess.beh, "risk": sess.risk}, sess.sso))

    def admin_app(self, p: Person, ctx: Ctx, t: int, sess: Session) -> None:
        em = self.em
        rid = em.request_id()
        self.out.append(em.ev(t, "user.session.access_admin_app", p.actor, ctx, E.SUCCESS,
                              [self.org.admin_console], rid,
                              {"requestId": rid, "requestUri": "/admin/sso/callback", "url": "/admin/sso/callback?",
                               "dtHash": ctx.dt, "threatSuspected": "false", "behaviors": sess.beh,
                               "risk": sess.risk}, sess.sso))

    def session_end(self, p: Person, ctx: Ctx, t: int, sess: Session) -> None:
        em = self.em
        rid = em.request_id()
        self.out.append(em.ev(t, "user.session.end", p.actor, ctx, E.SUCCESS, None, rid,
                              {"requestId": rid, "requestUri": "/login/signout", "url": "/login/signout?",
                               "threatSuspected": "false"}, sess.sso))

    def admin_action(self, actor: dict, ctx: Ctx, t: int, etype: str, target: list, sess: Session | None,
                     extra: dict | None = None, uri: str = "/api/v1/users", ttype: str = "WEB",
                     tdetail: dict = E.EMPTY, out: dict = E.SUCCESS) -> dict:
        em = self.em
        rid = em.request_id()
        dbg = {"requestId": rid, "requestUri": uri, "url": uri, "threatSuspected": "false"}
        if ctx is not None and ctx.dt:
            dbg["dtHash"] = ctx.dt
        if extra:
            dbg.update(extra)
        e = em.ev(t, etype, actor, ctx, out, target, rid if ttype == "WEB" else em.request_id(), dbg,
                  sess.sso if sess else NO_SESSION, ttype=ttype, tdetail=tdetail)
        self.out.append(e)
        return e

    def pick_app(self, p: Person):  # noqa: ANN201
        """A weighted pick of one of the person's (app, appuser) pairs (bisect in C: one call per SSO event)."""
        cum = p.app_cum
        return p.apps[min(bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)]


class Life(Flows):
    """Benign activity, one local date at a time."""

    def __init__(self, org: Org, em: Emitter, geo: GeoIP, start_ms: int, end_ms: int) -> None:
        super().__init__(org, em, geo)
        self.start_ms, self.end_ms = start_ms, end_ms
        self.offsets: dict[tuple, int] = {}
        self.cases = 0
        self.hq_tz = ZoneInfo(geo.city(org.hq).timezone)
        rng = self.rng
        span_days = (end_ms - start_ms) / DAY_MS
        # Trips: a few people travel abroad during the window (benign look-alike of impossible travel).
        for p in org.people:
            if rng.random() < min(0.5, 0.06 * span_days / 30 * 1.0) and span_days >= 3:
                dest = rng.choice(travel_destinations(geo, p.home_key))
                depart = start_ms + int(rng.uniform(0.05, 0.85) * (end_ms - start_ms))
                length = int(rng.uniform(2.5, 6.5) * DAY_MS)
                c = geo.city(dest)
                home = geo.city(p.home_key)
                flight_h = distance_km(home.lat, home.lon, c.lat, c.lon) / 800 + 2.5
                hotel = geo.pick(rng, dest, HOME_KINDS)
                p.trip = (depart, depart + length, dest, int(flight_h * HOUR_MS))
                p.trip_ctx = {"laptop": Ctx(hotel, p.laptop_ua, None, p.ctx["laptop_home"].dt),
                              "phone": Ctx(p.mobile, p.phone_ua, None, p.ctx["phone_mobile"].dt),  # roaming
                              "hotel_phone": Ctx(hotel, p.phone_ua, None, p.ctx["phone_mobile"].dt),
                              "zone": ZoneInfo(c.timezone)}

    def local_midnight(self, p: Person, d: date, tz=None) -> int:  # noqa: ANN001
        tz = tz or p.tz
        key = (tz.key, d)
        v = self.offsets.get(key)
        if v is None:
            local = datetime.combine(d, time(12), tzinfo=tz)
            off = local.utcoffset() or timedelta(0)
            v = self.offsets[key] = int((datetime.combine(d, time(0), tzinfo=UTC) - off).timestamp() * 1000)
        return v

    # -- a person's day ----------------------------------------------------------------------------------------
    def person_day(self, p: Person, d: date) -> None:
        rng = self.rng
        weekday = d.weekday() < 5
        midnight = self.local_midnight(p, d)
        trip = p.trip
        traveling = trip is not None and trip[0] <= midnight + 12 * HOUR_MS < trip[1]
        earliest = 0
        if traveling:
            midnight = self.local_midnight(p, d, p.trip_ctx["zone"])
            earliest = trip[0] + trip[3] + HOUR_MS  # landed, got to the hotel
        elif trip is not None and trip[1] <= midnight + 12 * HOUR_MS:
            earliest = trip[1] + trip[3] + HOUR_MS  # flew home
        if midnight + DAY_MS < self.start_ms or midnight > self.end_ms:
            return
        if weekday and rng.random() < 0.06:  # day off
            weekday = False
        if not weekday:
            if rng.random() < 0.14:
                self.casual(p, max(earliest, midnight + int(rng.uniform(9, 21) * HOUR_MS)), traveling)
            return
        start = max(earliest, midnight + int((p.start_hour + rng.gauss(0, 0.5)) * HOUR_MS))
        length = int((p.hours + rng.gauss(0, 0.7)) * HOUR_MS)
        if traveling:
            where = "travel"
            ctx = p.trip_ctx["laptop"]
        elif p.office is not None and rng.random() < 0.75:
            where, ctx = "office", p.ctx["laptop_office"]
        elif p.vpn and rng.random() < 0.7:
            where, ctx = "vpn", p.ctx["laptop_vpn"]
        else:
            where, ctx = "home", p.ctx["laptop_home"]
        if where == "vpn":
            self.radius(p, start - rng.randint(30_000, 300_000))
        typos = 1 if rng.random() < 0.035 else 0
        if typos and rng.random() < 0.15:
            typos = 2
        if rng.random() < 0.0015:
            self.lockout(p, ctx, start)
            return
        if rng.random() < 0.003:  # a mistyped username: UNKNOWN_USER once, then the real sign-in
            self.unknown_user(p, ctx, start - rng.randint(5000, 20000))
        deny = 1 if rng.random() < 0.006 else 0  # pressed "No" by mistake, then accepted
        sess, t = self.sign_in(p, ctx, start, typos=typos, deny_first=deny)
        n = max(1, int(rng.gauss(15, 4) * p.activity))
        is_admin = p.role != "user"
        r = rng.random
        span = length - 5000
        t5 = t + 5000
        times = sorted([int(t5 + r() * span) for _ in range(n)])
        for tt in times:
            if is_admin and rng.random() < 0.25:
                self.admin_app(p, ctx, tt, sess)
                continue
            app, au = self.pick_app(p)
            self.sso(p, ctx, tt, sess, app, au)
        if rng.random() < 0.08:
            rid = self.em.request_id()
            self.out.append(self.em.ev(times[-1] + 60_000, "user.authentication.verify", p.actor, ctx, E.SUCCESS,
                                       [p.user_target], rid, {"requestId": rid, "requestUri": "/idp/idx/identify",
                                                              "url": "/idp/idx/identify?", "dtHash": ctx.dt,
                                                              "threatSuspected": "false"}, sess.pw))
        if rng.random() < 1 / 75:
            self.admin_action(p.actor, ctx, rng.randint(t, t + length), "user.account.update_password",
                              [p.user_target], sess, uri="/idp/idx/challenge/answer")
        if rng.random() < 0.35:
            self.session_end(p, ctx, t + length + rng.randint(0, 1800_000), sess)
        if p.outlook:
            octx = p.ctx["outlook_office"] if where == "office" else p.ctx["outlook_home"]
            for _ in range(rng.randint(1, 4)):
                rid = self.em.request_id()
                self.out.append(self.em.ev(rng.randint(start, start + length),
                                           "user.authentication.auth_via_richclient", p.actor, octx, E.SUCCESS,
                                           [p.apps[0][0].target], rid,
                                           {"requestId": rid, "requestUri": "/app/office365/sso/wsfed/active",
                                            "url": "/app/office365/sso/wsfed/active", "threatSuspected": "false"},
                                           RICH))
        if is_admin or p.role == "helpdesk":
            self.admin_work(p, ctx, sess, t, t + length)
        # phone session on some days
        if rng.random() < 0.5:
            pctx = p.trip_ctx["phone"] if traveling else (
                p.ctx["phone_mobile"] if rng.random() < 0.6 else p.ctx["phone_home"])
            ps = max(earliest, midnight + int(rng.uniform(7, 22) * HOUR_MS))
            s2, t2 = self.sign_in(p, pctx, ps)
            for _ in range(rng.randint(1, 5)):
                t2 += rng.randint(30_000, 40 * MIN_MS)
                app, au = self.pick_app(p)
                self.sso(p, pctx, t2, s2, app, au)

    def casual(self, p: Person, t: int, traveling: bool) -> None:
        rng = self.rng
        if rng.random() < 0.7:
            ctx = p.trip_ctx["phone"] if traveling else p.ctx["phone_mobile"]
        else:
            ctx = p.trip_ctx["laptop"] if traveling else p.ctx["laptop_home"]
        sess, t = self.sign_in(p, ctx, t)
        for _ in range(rng.randint(1, 4)):
            t += rng.randint(20_000, 30 * MIN_MS)
            app, au = self.pick_app(p)
            self.sso(p, ctx, t, sess, app, au)

    def radius(self, p: Person, t: int) -> None:
        em = self.em
        rid = em.request_id()
        ctx = self.radius_ctx()
        self.out.append(em.ev(t, "user.authentication.auth_via_radius", p.actor, ctx, E.SUCCESS,
                              [self.org.radius_app], rid,
                              {"requestId": rid, "requestUri": "/api/internal/v1/radius/authn",
                               "url": "/api/internal/v1/radius/authn", "threatSuspected": "false"}, RADIUS))

    _radius_ctx = None

    def radius_ctx(self) -> Ctx:
        if self._radius_ctx is None:
            from glasslog.simulate import agents
            self._radius_ctx = Ctx(self.org.radius, agents.RADIUS_AGENT, "Corporate Offices", "")
        return self._radius_ctx

    def unknown_user(self, p: Person, ctx: Ctx, t: int) -> None:
        em = self.em
        local, dom = p.login.split("@")
        i = self.rng.randrange(1, len(local) - 1)
        swapped = local[:i] + local[i + 1] + local[i] + local[i + 2:]
        typo = swapped if local[i] != local[i + 1] else local[:i] + local[i + 1:]
        actor = {"id": "unknown", "type": "User", "alternateId": f"{typo}@{dom}", "displayName": "unknown",
                 "detailEntry": None}
        rid = em.request_id()
        self.out.append(em.ev(t, "user.session.start", actor, ctx, E.UNKNOWN_USER, None, rid,
                              {"requestId": rid, "requestUri": "/idp/idx/identify", "url": "/idp/idx/identify?",
                               "dtHash": ctx.dt, "threatSuspected": "false"}, FAILED_PW))

    def lockout(self, p: Person, ctx: Ctx, t: int) -> None:
        """Forgot the new password: failures, lock, help desk unlock (or self-service), then a normal day."""
        em, rng, org = self.em, self.rng, self.org
        for _ in range(rng.randint(5, 10)):
            rid = em.request_id()
            self.out.append(em.ev(t, "user.session.start", p.actor, ctx, E.INVALID_CREDENTIALS, None, rid,
                                  {"requestId": rid, "requestUri": "/idp/idx/challenge/answer",
                                   "url": "/idp/idx/challenge/answer?", "dtHash": ctx.dt, "threatSuspected": "false"},
                                  FAILED_PW))
            t += rng.randint(5000, 40000)
        rid = em.request_id()
        self.out.append(em.ev(t, "user.account.lock", p.actor, ctx, E.LOCKED_OUT, [p.user_target], rid,
                              {"requestId": rid, "requestUri": "/idp/idx/challenge/answer",
                               "url": "/idp/idx/challenge/answer?", "threatSuspected": "false"}, FAILED_PW))
        t += rng.randint(10, 90) * MIN_MS
        if org.helpdesk and rng.random() < 0.7:
            h = rng.choice(org.helpdesk)
            hctx = h.ctx.get("laptop_office") or h.ctx["laptop_home"]
            self.admin_action(h.actor, hctx, t, "user.account.unlock_by_admin", [p.user_target], None,
                              uri=f"/api/v1/users/{p.id}/lifecycle/unlock")
        else:
            rid = em.request_id()
            self.out.append(em.ev(t, "user.account.unlock", p.actor, ctx, E.SUCCESS, [p.user_target], rid,
                                  {"requestId": rid, "requestUri": "/idp/idx/unlock-account",
                                   "url": "/idp/idx/unlock-account", "threatSuspected": "false"}, FAILED_PW))
        t += rng.randint(60_000, 600_000)
        sess, t = self.sign_in(p, ctx, t)
        self.admin_action(p.actor, ctx, t + 40_000, "user.account.update_password", [p.user_target], sess,
                          uri="/idp/idx/challenge/answer")
        for _ in range(rng.randint(3, 8)):
            t += rng.randint(5, 60) * MIN_MS
            app, au = self.pick_app(p)
            self.sso(p, ctx, t, sess, app, au)

    # -- admins and help desk ----------------------------------------------------------------------------------
    def admin_work(self, p: Person, ctx: Ctx, sess: Session, t0: int, t1: int) -> None:
        rng, org = self.rng, self.org
        people = org.people
        n = len(people)
        if p.role == "helpdesk":
            for _ in range(rng.randint(0, max(1, n // 120))):
                v = people[rng.randrange(n)]
                t = rng.randint(t0, t1)
                k = rng.random()
                if k < 0.5:
                    self.admin_action(p.actor, ctx, t, "user.account.reset_password", [v.user_target], sess,
                                      uri=f"/api/v1/users/{v.id}/lifecycle/reset_password")
                elif k < 0.8:  # lost phone: factor reset, the user re-enrols later
                    self.admin_action(p.actor, ctx, t, "user.mfa.factor.deactivate",
                                      [v.user_target, org.authenticators["Okta Verify"]], sess,
                                      uri=f"/api/v1/users/{v.id}/factors", extra={"factor": "OKTA_VERIFY_PUSH"})
                    vctx = v.ctx["phone_home"]
                    self.admin_action(v.actor, vctx, t + rng.randint(10, 240) * MIN_MS, "user.mfa.factor.activate",
                                      [v.user_target, org.authenticators["Okta Verify"]], None,
                                      uri="/idp/idx/credential/enroll", extra={"factor": "OKTA_VERIFY_PUSH"})
                else:
                    self.admin_action(p.actor, ctx, t, "user.account.unlock_by_admin", [v.user_target], sess,
                                      uri=f"/api/v1/users/{v.id}/lifecycle/unlock")
            return
        for _ in range(rng.randint(0, max(1, n // 150))):
            v = people[rng.randrange(n)]
            t = rng.randint(t0, t1)
            k = rng.random()
            if k < 0.55:
                g = rng.choice(list(org.groups.values())[1:])
                self.admin_action(p.actor, ctx, t, "group.user_membership.add", [v.user_target, g], sess,
                                  uri=f"/api/v1/groups/{g['id']}/users/{v.id}")
            elif k < 0.85:
                a = rng.choice(org.apps)
                self.admin_action(p.actor, ctx, t, "application.user_membership.add", [v.user_target, a.target],
                                  sess, uri=f"/api/v1/apps/{a.target['id']}/users")
            else:
                g = rng.choice(list(org.groups.values())[1:])
                self.admin_action(p.actor, ctx, t, "group.user_membership.remove", [v.user_target, g], sess,
                                  uri=f"/api/v1/groups/{g['id']}/users/{v.id}")
        if rng.random() < 0.04:
            rule = rng.choice(list(org.rules.values()))
            self.admin_action(p.actor, ctx, rng.randint(t0, t1), "policy.rule.update", [org.policy, rule], sess,
                              uri=f"/api/v1/policies/{org.policy['id']}/rules/{rule['id']}")
        if rng.random() < 0.01:
            self.admin_action(p.actor, ctx, rng.randint(t0, t1), "zone.update", [org.zones["Corporate Offices"]],
                              sess, uri=f"/api/v1/zones/{org.zones['Corporate Offices']['id']}")
        if rng.random() < 0.01:
            tok = {"id": self.em.okta_id("00T"), "type": "Token", "alternateId": "unknown",
                   "displayName": rng.choice(("Terraform", "SIEM export", "Jamf integration", "Backup script")),
                   "detailEntry": None}
            self.admin_action(p.actor, ctx, rng.randint(t0, t1), "system.api_token.create", [tok], sess,
                              uri="/api/internal/tokens")
        if rng.random() < 0.008 * max(1, n // 250):
            v = people[rng.randrange(n)]
            role = rng.choice(ROLES[1:]) if rng.random() < 0.9 or p.role != "super_admin" else ROLES[0]
            self.admin_action(p.actor, ctx, rng.randint(t0, t1), "user.account.privilege.grant", [v.user_target],
                              sess, uri=f"/api/v1/users/{v.id}/roles", extra={"privilegeGranted": role})

    # -- org-wide noise ----------------------------------------------------------------------------------------
    def org_day(self, d: date) -> None:
        rng, org, em = self.rng, self.org, self.em
        midnight = self.local_midnight(org.people[0], d, self.hq_tz)
        if midnight + DAY_MS < self.start_ms or midnight > self.end_ms:
            return
        sysctx = self.system_ctx()
        # nightly AD import (a scheduled JOB by the system principal)
        t = midnight + 2 * HOUR_MS + rng.randint(0, 600_000)
        self.admin_action(org.system_actor, sysctx, t, "system.import.start", [org.ad_app], None,
                          uri="/api/internal/v1/import", ttype="JOB")
        self.admin_action(org.system_actor, sysctx, t + rng.randint(60_000, 900_000), "system.import.complete",
                          [org.ad_app], None, uri="/api/internal/v1/import", ttype="JOB")
        weekday = d.weekday() < 5
        # service accounts acting through API tokens
        for actor, ctx, token, _name in org.service_accounts:
            tdetail = {"requestApiTokenId": token}
            k = rng.randint(2, 6) if weekday else rng.randint(0, 2)
            for _ in range(k):
                v = org.people[rng.randrange(len(org.people))]
                t = midnight + rng.randint(6 * HOUR_MS, 20 * HOUR_MS)
                if actor["displayName"] == "Offboarding Automation":
                    g = rng.choice(list(org.groups.values())[1:])
                    self.admin_action(actor, ctx, t, "group.user_membership.remove", [v.user_target, g], None,
                                      uri=f"/api/v1/groups/{g['id']}/users/{v.id}", tdetail=tdetail)
                elif actor["displayName"] == "Access Reports":
                    rid = em.request_id()
                    self.out.append(em.ev(t, "user.session.start", actor, ctx, E.SUCCESS, None, rid,
                                          {"requestId": rid, "requestUri": "/api/v1/authn", "url": "/api/v1/authn?",
                                           "threatSuspected": "false", "behaviors": NO_BEHAVIOR, "risk": RISK_LOW,
                                           "dtHash": ctx.dt}, dict(FAILED_PW, externalSessionId=None)))
                else:
                    g = rng.choice(list(org.groups.values())[1:])
                    self.admin_action(actor, ctx, t, "group.user_membership.add", [v.user_target, g], None,
                                      uri=f"/api/v1/groups/{g['id']}/users/{v.id}", tdetail=tdetail)
        # HR sync: a new hire now and then
        if weekday and rng.random() < 0.15:
            actor, ctx, token, _ = org.service_accounts[1]
            t = midnight + rng.randint(8 * HOUR_MS, 17 * HOUR_MS)
            uid = em.okta_id("00u")
            nt = {"id": uid, "type": "User", "alternateId": f"new.hire{rng.randint(100, 999)}@{org.domain}",
                  "displayName": "New Hire", "detailEntry": None}
            self.admin_action(actor, ctx, t, "user.lifecycle.create", [nt], None, uri="/api/v1/users",
                              tdetail={"requestApiTokenId": token})
            self.admin_action(actor, ctx, t + 2000, "user.lifecycle.activate", [nt], None,
                              uri=f"/api/v1/users/{uid}/lifecycle/activate", tdetail={"requestApiTokenId": token})
        # provider support work: a customer case every ~10 days, with an impersonation grant by an admin
        if weekday and rng.random() < 0.1 and org.super_admins:
            self.support_case(midnight)

    _system_ctx = None

    def system_ctx(self) -> Ctx:
        if self._system_ctx is None:
            from glasslog.simulate.geo import IPInfo
            info = IPInfo("null", None, None, {"asNumber": None, "asOrg": None, "isp": None, "domain": None,
                                                "isProxy": False},
                          {"ip": None, "geographicalContext": None, "version": None, "source": None}, None, "")
            c = Ctx.__new__(Ctx)
            c.info, c.ua, c.zone, c.dt = info, "", None, ""
            c.client = {"userAgent": None, "zone": None, "device": None, "id": None, "ipAddress": None,
                        "geographicalContext": None}
            c.security = info.security
            c.request = {"ipChain": []}
            self._system_ctx = c
        return self._system_ctx

    def support_case(self, midnight: int) -> None:
        rng, org, em = self.rng, self.org, self.em
        admin = rng.choice(org.super_admins)
        actx = admin.ctx.get("laptop_office") or admin.ctx["laptop_home"]
        case = f"case {rng.randint(1_000_000, 3_999_999):08d}"
        self.cases += 1
        t = midnight + rng.randint(9 * HOUR_MS, 15 * HOUR_MS)
        support = {"id": em.okta_id("0oa"), "type": "User", "alternateId": "Okta Support",
                   "displayName": "Okta Support", "detailEntry": None}
        self.admin_action(admin.actor, actx, t, "user.session.impersonation.grant", [support], None,
                          uri="/api/internal/support/grant", extra={"grantDurationHours": "8"})
        staff, sctx = rng.choice(org.support_staff)
        t += rng.randint(20, 120) * MIN_MS
        kinds = (("view_org_overview", "Viewed org overview"), ("view_user_details", "Viewed user profile"),
                 ("view_app_settings", "Viewed application settings"), ("view_policies", "Viewed sign-on policies"),
                 ("view_system_log", "Viewed system log"))
        for _ in range(rng.randint(2, 8)):
            kid, desc = rng.choice(kinds)
            self.admin_action(staff, sctx, t, "support.org.view", None, None, uri="/support/org",
                              extra={"supportAction": {"id": em.request_id()[:20], "type": kid, "description": desc,
                                                       "reason": {"type": "customer_initiated_support",
                                                                  "detail": case}}})
            t += rng.randint(1, 25) * MIN_MS
        if rng.random() < 0.4:
            self.admin_action(staff, sctx, t, "support.org.update", None, None, uri="/support/org",
                              extra={"supportAction": {"id": em.request_id()[:20], "type": "enable_feature",
                                                       "description": "Enabled an Early Access feature",
                                                       "reason": {"type": "customer_initiated_support",
                                                                  "detail": case}}})
        if rng.random() < 0.5:
            t += rng.randint(2, 30) * MIN_MS
            self.admin_action(staff, sctx, t, "user.session.impersonation.initiate", [admin.user_target], None,
                              uri="/support/impersonate", extra={"originalPrincipal": staff["alternateId"],
                                                                 "reason": case})
            t += rng.randint(5, 40) * MIN_MS
            self.admin_action(staff, sctx, t, "user.session.impersonation.end", [admin.user_target], None,
                              uri="/support/impersonate", extra={"originalPrincipal": staff["alternateId"]})
        if rng.random() < 0.5:
            self.admin_action(admin.actor, actx, t + rng.randint(30, 180) * MIN_MS,
                              "user.session.impersonation.revoke", [support], None, uri="/api/internal/support/grant")
