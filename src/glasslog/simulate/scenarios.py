"""Labelled attack scenarios (the incident-response guide's lifecycle). Each scenario appends its events to
`Attacks.out` and returns a label; attacks use their own RNG and never touch benign state, so the benign part of
the log is identical with or without them."""

from __future__ import annotations

import random

from glasslog.simulate import agents
from glasslog.simulate import emit as E
from glasslog.simulate.benign import FAILED_PW, Flows, Session
from glasslog.simulate.emit import HOUR_MS, MIN_MS, Ctx, Emitter
from glasslog.simulate.geo import ATTACKER_CITIES, HOME_KINDS, HOSTING_KINDS, TRAVEL_CITIES, GeoIP, distance_km
from glasslog.simulate.org import FIRST, LAST, Org, Person

SCENARIOS = (
    "username_enumeration", "password_spray", "password_spray_distributed", "brute_force", "credential_stuffing",
    "mfa_fatigue", "session_hijack", "impossible_travel", "privilege_escalation", "defense_evasion",
    "api_token_persistence", "scripted_client", "data_access", "rogue_support_access", "storyline",
)

NEW_EVERYTHING = {"New IP": True, "New Device": True, "New City": True, "New Geo-Location": True,
                  "New Country": True, "New State": True}


class Attacks(Flows):
    def __init__(self, org: Org, em: Emitter, geo: GeoIP, start_ms: int, end_ms: int) -> None:
        super().__init__(org, em, geo)
        self.start_ms, self.end_ms = start_ms, end_ms
        self.used_cases: set[str] = set()

    # -- infrastructure ---------------------------------------------------------------------------------------
    def host(self, kinds: tuple = HOSTING_KINDS, ua: str | None = None, proxy: bool = False,
             cities: tuple = ATTACKER_CITIES, far_from: Person | None = None) -> Ctx:
        rng = self.rng
        choices = list(cities)
        if far_from is not None:
            home = self.geo.city(far_from.home_key)
            choices = [c for c in choices if distance_km(home.lat, home.lon, self.geo.city(c).lat,
                                                         self.geo.city(c).lon) > 5000] or choices
        info = self.geo.pick(rng, rng.choice(choices), kinds, is_proxy=proxy)
        return Ctx(info, ua or rng.choice(agents.OLD_BROWSERS), None, self.em.hex64(), is_proxy=proxy)

    def victim(self, pool: list | None = None, push: bool = False) -> Person:
        pool = pool or self.org.people
        if push:
            pool = [p for p in pool if not p.totp] or pool
        return self.rng.choice(pool)

    def admin_victim(self) -> Person:
        return self.victim(self.org.admins + self.org.helpdesk or self.org.people, push=True)

    def fake_actor(self, login: str) -> dict:
        return {"id": "unknown", "type": "User", "alternateId": login, "displayName": "unknown", "detailEntry": None}

    def fail(self, actor: dict, ctx: Ctx, t: int, outcome: dict, uri: str = "/idp/idx/challenge/answer") -> None:
        em = self.em
        rid = em.request_id()
        self.out.append(em.ev(t, "user.session.start", actor, ctx, outcome, None, rid,
                              {"requestId": rid, "requestUri": uri, "url": uri + "?", "dtHash": ctx.dt,
                               "threatSuspected": "true" if self.rng.random() < 0.3 else "false",
                               "behaviors": E_BEH, "risk": "{reasons=Anomalous Device, Anomalous IP, level=HIGH}"},
                              FAILED_PW))

    def attacker_session(self, v: Person, ctx: Ctx, t: int, deny: int = 0, gap=(3000, 15000)):  # noqa: ANN001, ANN201
        return self.sign_in(v, ctx, t, mfa=True, deny_first=deny, learn=False, flags=NEW_EVERYTHING, gap=gap)

    def sso_to(self, v: Person, ctx: Ctx, t: int, sess: Session, key: str) -> None:
        app = self.org.app_by_key[key]
        au = next((u for a, u in v.apps if a is app), None)
        if au is None:
            au = {"id": self.em.okta_id("0ua"), "type": "AppUser", "alternateId": v.login, "displayName": v.name,
                  "detailEntry": None}
            v.apps.append((app, au))  # only attacks look this up again; benign picks use app_cum's length
        self.sso(v, ctx, t, sess, app, au)

    def fake_logins(self, n: int, personal: float = 0.0) -> list[str]:
        rng, org = self.rng, self.org
        known = {p.login for p in org.people}
        out = []
        while len(out) < n:
            if rng.random() < personal:
                login = f"{rng.choice(FIRST).lower()}{rng.choice(LAST).lower()}{rng.randint(1, 99)}@" + \
                    rng.choice(("gmail.com", "yahoo.com", "outlook.com", "hotmail.com"))
            elif rng.random() < 0.15:
                login = rng.choice(("admin", "administrator", "test", "it", "helpdesk", "support", "root", "info",
                                    "hr", "finance", "devops", "backup")) + f"@{org.domain}"
            else:
                f, l_ = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
                login = rng.choice((f"{f}.{l_}", f"{f[0]}{l_}", f"{f}{l_[0]}", f"{f}_{l_}")) + f"@{org.domain}"
            if login not in known:
                out.append(login.replace("'", ""))
        return out

    # -- scenarios ----------------------------------------------------------------------------------------------
    def username_enumeration(self, t: int) -> dict:
        rng = self.rng
        ctx = self.host(ua=rng.choice((agents.REQUESTS, agents.GO_HTTP, agents.CURL)))
        logins = self.fake_logins(rng.randint(60, 150))
        real = rng.sample(self.org.people, min(len(self.org.people), max(3, len(logins) // 12)))
        for login in logins:
            self.fail(self.fake_actor(login), ctx, t, E.UNKNOWN_USER, "/api/v1/authn")
            t += rng.randint(1500, 12000)
            if real and rng.random() < 0.08:
                self.fail(real.pop().actor, ctx, t, E.INVALID_CREDENTIALS, "/api/v1/authn")
                t += rng.randint(1500, 12000)
        return {"compromised": []}

    def password_spray(self, t: int, ctx: Ctx | None = None, success: Person | None = None) -> dict:
        rng, org = self.rng, self.org
        ctx = ctx or self.host()
        n = min(len(org.people), rng.randint(40, 120))
        victims = rng.sample(org.people, n)
        if success is not None and success in victims:
            victims.remove(success)
        stale = self.fake_logins(max(2, n // 15))
        order = [v.actor for v in victims] + [self.fake_actor(x) for x in stale]
        rng.shuffle(order)
        for actor in order:
            self.fail(actor, ctx, t, E.UNKNOWN_USER if actor["id"] == "unknown" else E.INVALID_CREDENTIALS)
            t += rng.randint(4000, 40000)
        return {"compromised": [], "t": t}

    def password_spray_distributed(self, t: int) -> dict:
        rng, org = self.rng, self.org
        ips = [self.host(kinds=HOME_KINDS + ("mobile",), ua=rng.choice(agents.WINDOWS_BROWSERS + agents.OLD_BROWSERS),
                         cities=ATTACKER_CITIES + TRAVEL_CITIES) for _ in range(rng.randint(25, 60))]
        end = t + rng.randint(2, 4) * HOUR_MS
        attempts = []
        for ctx in ips:
            for v in rng.sample(org.people, min(len(org.people), rng.randint(2, 5))):
                attempts.append((rng.randint(t, end), v.actor, ctx))
        attempts.sort(key=lambda a: a[0])
        for tt, actor, ctx in attempts:
            self.fail(actor, ctx, tt, E.INVALID_CREDENTIALS)
        return {"compromised": []}

    def brute_force(self, t: int) -> dict:
        rng = self.rng
        v = self.victim()
        ctx = self.host(ua=rng.choice((agents.HEADLESS, *agents.OLD_BROWSERS)))
        threshold = rng.randint(8, 12)
        for _ in range(threshold):
            self.fail(v.actor, ctx, t, E.INVALID_CREDENTIALS)
            t += rng.randint(800, 6000)
        rid = self.em.request_id()
        self.out.append(self.em.ev(t, "user.account.lock", v.actor, ctx, E.LOCKED_OUT, [v.user_target], rid,
                                   {"requestId": rid, "requestUri": "/idp/idx/challenge/answer",
                                    "url": "/idp/idx/challenge/answer?", "threatSuspected": "true"}, FAILED_PW))
        for _ in range(rng.randint(3, 15)):
            t += rng.randint(800, 6000)
            self.fail(v.actor, ctx, t, E.LOCKED_OUT)
        return {"compromised": [], "targets": [v.login]}

    def credential_stuffing(self, t: int) -> dict:
        rng, org = self.rng, self.org
        ips = [self.host(kinds=(HOSTING_KINDS if rng.random() < 0.5 else HOME_KINDS),
                         ua=rng.choice((agents.HEADLESS, *agents.OLD_BROWSERS))) for _ in range(rng.randint(30, 80))]
        n = rng.randint(100, 250)
        fakes = self.fake_logins(int(n * 0.6), personal=0.5)
        reals = [rng.choice(org.people) for _ in range(n - len(fakes))]
        winners = rng.sample(org.people, min(2, len(org.people)))
        pairs = [(self.fake_actor(x), E.UNKNOWN_USER) for x in fakes] + [(p.actor, E.INVALID_CREDENTIALS)
                                                                         for p in reals]
        rng.shuffle(pairs)
        compromised = []
        for i, (actor, out) in enumerate(pairs):
            ctx = rng.choice(ips)
            self.fail(actor, ctx, t, out)
            t += rng.randint(300, 4000)
            if winners and i in (len(pairs) // 3, 2 * len(pairs) // 3):
                w = winners.pop()
                compromised.append(w.login)
                # valid password reused from another breach; MFA push is never answered
                self.sign_in(w, ctx, t, mfa=True, learn=False, flags=NEW_EVERYTHING, accept=False)
                t += rng.randint(300, 4000)
        return {"compromised": compromised}

    def mfa_fatigue(self, t: int, v: Person | None = None, ctx: Ctx | None = None) -> dict:
        rng = self.rng
        v = v or self.victim(push=True)
        ctx = ctx or self.host(ua=rng.choice(agents.WINDOWS_BROWSERS))
        sess, t = self.attacker_session(v, ctx, t, deny=rng.randint(5, 14), gap=(20_000, 120_000))
        for key in rng.sample([a.key for a, _ in v.apps], min(3, len(v.apps))):
            t += rng.randint(30_000, 600_000)
            self.sso_to(v, ctx, t, sess, key)
        return {"compromised": [v.login], "sessions": [sess.sid], "t": t, "session": sess}

    def session_hijack(self, t: int) -> dict:
        rng = self.rng
        v = self.victim()
        vctx = v.ctx.get("laptop_office") or v.ctx["laptop_home"]
        i = len(self.out)
        vs = Session(self.em.session_id(), "OKTA_AUTHENTICATION_PROVIDER", "PASSWORD", "ASSERTION")
        vs, t = self.sign_in(v, vctx, t, mfa=True, learn=False, flags={}, sess=vs)
        for _ in range(rng.randint(2, 4)):
            t += rng.randint(60_000, 900_000)
            a, au = self.pick_app(v)
            self.sso(v, vctx, t, vs, a, au)
        context = [e["uuid"] for e in self.out[i:]]
        # the stolen cookie replayed from elsewhere, through an anonymising proxy, with another browser
        other = [u for u in agents.WINDOWS_BROWSERS + agents.LINUX_BROWSERS
                 if agents.parse(u)[0]["os"] != agents.parse(v.laptop_ua)[0]["os"]]
        actx = self.host(ua=rng.choice(other), proxy=True, far_from=v)
        hs = Session.__new__(Session)
        hs.sid, hs.pw, hs.mfa, hs.sso, hs.ctx, hs.actor = vs.sid, vs.pw, vs.mfa, vs.sso, actx, v.actor
        hs.beh, hs.risk, hs.level = self.assess(v, actx, t, flags=dict(NEW_EVERYTHING, Velocity=True))[:3]
        t += rng.randint(10, 120) * MIN_MS
        for _ in range(rng.randint(3, 8)):
            if v.role != "user" and rng.random() < 0.3:
                self.admin_app(v, actx, t, hs)
            else:
                a, au = self.pick_app(v)
                self.sso(v, actx, t, hs, a, au)
            t += rng.randint(20_000, 400_000)
        return {"compromised": [v.login], "sessions": [vs.sid], "context": context}

    def impossible_travel(self, t: int) -> dict:
        rng = self.rng
        v = self.victim(push=True)
        vctx = v.ctx.get("laptop_office") or v.ctx["laptop_home"]
        i = len(self.out)
        vs, t = self.sign_in(v, vctx, t, learn=False, flags={})
        a, au = self.pick_app(v)
        self.sso(v, vctx, t + 60_000, vs, a, au)
        context = [e["uuid"] for e in self.out[i:]]
        far = self.host(kinds=HOME_KINDS, ua=rng.choice(agents.WINDOWS_BROWSERS + agents.MAC_BROWSERS),
                        cities=ATTACKER_CITIES + TRAVEL_CITIES, far_from=v)
        t += rng.randint(20, 90) * MIN_MS
        sess, t = self.sign_in(v, far, t, mfa=True, learn=False, flags=dict(NEW_EVERYTHING, Velocity=True))
        for _ in range(rng.randint(2, 4)):
            t += rng.randint(30_000, 900_000)
            a, au = self.pick_app(v)
            self.sso(v, far, t, sess, a, au)
        return {"compromised": [v.login], "sessions": [sess.sid], "context": context}

    def _admin_foothold(self, t: int, v: Person | None = None) -> tuple[Person, Ctx, Session, int]:
        v = v or self.admin_victim()
        ctx = self.host(ua=self.rng.choice(agents.WINDOWS_BROWSERS))
        sess, t = self.attacker_session(v, ctx, t)
        t += self.rng.randint(30_000, 300_000)
        self.admin_app(v, ctx, t, sess)
        return v, ctx, sess, t

    def privilege_escalation(self, t: int, v: Person | None = None, ctx: Ctx | None = None,
                             sess: Session | None = None) -> dict:
        rng, org = self.rng, self.org
        if sess is None:
            v, ctx, sess, t = self._admin_foothold(t)
        t += rng.randint(60_000, 600_000)
        self.admin_action(v.actor, ctx, t, "user.account.privilege.grant", [v.user_target], sess,
                          uri=f"/api/v1/users/{v.id}/roles", extra={"privilegeGranted": "Super administrator"})
        for g in ("Okta Administrators", "AWS-Admins"):
            t += rng.randint(20_000, 180_000)
            self.admin_action(v.actor, ctx, t, "group.user_membership.add", [v.user_target, org.groups[g]], sess,
                              uri=f"/api/v1/groups/{org.groups[g]['id']}/users/{v.id}")
        return {"compromised": [v.login], "sessions": [sess.sid], "t": t}

    def defense_evasion(self, t: int, v: Person | None = None, ctx: Ctx | None = None,
                        sess: Session | None = None) -> dict:
        rng, org = self.rng, self.org
        if sess is None:
            v, ctx, sess, t = self._admin_foothold(t)
        others = rng.sample(org.people, min(2, len(org.people)))
        for o in others:
            t += rng.randint(30_000, 300_000)
            self.admin_action(v.actor, ctx, t, "user.mfa.factor.deactivate",
                              [o.user_target, org.authenticators["Okta Verify"]], sess,
                              uri=f"/api/v1/users/{o.id}/factors", extra={"factor": "OKTA_VERIFY_PUSH"})
        t += rng.randint(30_000, 300_000)
        zone = dict(org.zones["Corporate Offices"], changeDetails={"from": {"gateways": sorted(org.office_zone_ips)},
                                                                    "to": {"gateways": sorted(org.office_zone_ips)
                                                                           + [ctx.info.ip]}})
        self.admin_action(v.actor, ctx, t, "zone.update", [zone], sess, uri=f"/api/v1/zones/{zone['id']}")
        t += rng.randint(30_000, 300_000)
        rule = dict(org.rules["Require MFA off-network"], changeDetails={"from": {"factorMode": "2FA"},
                                                                         "to": {"factorMode": "1FA"}})
        self.admin_action(v.actor, ctx, t, "policy.rule.update", [org.policy, rule], sess,
                          uri=f"/api/v1/policies/{org.policy['id']}/rules/{rule['id']}")
        t += rng.randint(30_000, 300_000)
        o = others[0]
        self.admin_action(v.actor, ctx, t, "user.account.reset_password", [o.user_target], sess,
                          uri=f"/api/v1/users/{o.id}/lifecycle/reset_password")
        return {"compromised": [v.login] + [o.login for o in others], "sessions": [sess.sid], "t": t}

    def api_token_persistence(self, t: int, v: Person | None = None, ctx: Ctx | None = None,
                              sess: Session | None = None) -> dict:
        rng, org, em = self.rng, self.org, self.em
        if sess is None:
            v, ctx, sess, t = self._admin_foothold(t)
        t += rng.randint(60_000, 600_000)
        tok_id = em.okta_id("00T")
        tok = {"id": tok_id, "type": "Token", "alternateId": "unknown", "displayName": "okta-sync",
               "detailEntry": None}
        self.admin_action(v.actor, ctx, t, "system.api_token.create", [tok], sess, uri="/api/internal/tokens")
        # later: the token is used from elsewhere, outside any session
        use = self.host(ua=rng.choice((agents.CURL, agents.REQUESTS, agents.GO_HTTP)))
        t2 = t + rng.randint(2, 30) * HOUR_MS
        uid = em.okta_id("00u")
        first, last = rng.choice(FIRST), rng.choice(LAST)
        backdoor = {"id": uid, "type": "User", "alternateId": f"{first}.{last}.ext@{org.domain}".lower().replace(
            "'", ""), "displayName": f"{first} {last}", "detailEntry": None}
        detail = {"requestApiTokenId": tok_id}
        self.admin_action(v.actor, use, t2, "user.lifecycle.create", [backdoor], None, uri="/api/v1/users",
                          tdetail=detail)
        self.admin_action(v.actor, use, t2 + rng.randint(1000, 5000), "user.lifecycle.activate", [backdoor], None,
                          uri=f"/api/v1/users/{uid}/lifecycle/activate", tdetail=detail)
        self.admin_action(v.actor, use, t2 + rng.randint(6000, 20000), "group.user_membership.add",
                          [backdoor, org.groups["Okta Administrators"]], None,
                          uri=f"/api/v1/groups/{org.groups['Okta Administrators']['id']}/users/{uid}", tdetail=detail)
        return {"compromised": [v.login], "sessions": [sess.sid], "created_accounts": [backdoor["alternateId"]],
                "tokens": [tok_id], "t": t}

    def scripted_client(self, t: int) -> dict:
        rng, org = self.rng, self.org
        ctx = self.host(ua=agents.URLLIB_PY2)
        targets = rng.sample(org.people, min(len(org.people), rng.randint(15, 40)))
        win = targets[len(targets) // 2]
        compromised = []
        for v in targets:
            if v is win:
                sess, t = self.sign_in(v, ctx, t, mfa=True, learn=False, flags=NEW_EVERYTHING, accept=False,
                                       uri="/api/v1/authn")
                compromised.append(v.login)
            else:
                self.fail(v.actor, ctx, t, E.INVALID_CREDENTIALS, "/api/v1/authn")
            t += rng.randint(500, 5000)
        return {"compromised": compromised}

    def data_access(self, t: int, v: Person | None = None, ctx: Ctx | None = None, sess: Session | None = None) -> dict:
        rng = self.rng
        if sess is None:
            want = self.org.app_by_key["amazon_aws"], self.org.app_by_key["boxnet"]
            pool = [p for p in self.org.people if any(a in want for a, _ in p.apps)]
            v = self.victim(pool, push=True)
            ctx = self.host(ua=rng.choice(agents.WINDOWS_BROWSERS), kinds=HOME_KINDS, far_from=v)
            sess, t = self.attacker_session(v, ctx, t)
        for _ in range(rng.randint(5, 15)):
            t += rng.randint(30_000, 600_000)
            self.sso_to(v, ctx, t, sess, rng.choice(("amazon_aws", "boxnet")))
        return {"compromised": [v.login], "sessions": [sess.sid], "t": t}

    def rogue_support_access(self, t: int) -> dict:
        rng, org, em = self.rng, self.org, self.em
        first, last = rng.choice(FIRST), rng.choice(LAST)
        staff = {"id": em.okta_id("00u"), "type": "User",
                 "alternateId": f"{first}.{last}@okta.com".lower().replace("'", ""),
                 "displayName": f"{first} {last}", "detailEntry": None}
        ctx = self.host(ua=rng.choice(agents.MAC_BROWSERS))
        case = f"case {rng.randint(4_000_000, 9_999_999):08d}"  # no grant, no customer request mentions it
        kinds = (("view_user_details", "Viewed user profile"), ("view_app_settings", "Viewed application settings"),
                 ("view_api_tokens", "Viewed API tokens"), ("view_policies", "Viewed sign-on policies"))
        for _ in range(rng.randint(5, 15)):
            kid, desc = rng.choice(kinds)
            reason = {"type": "customer_initiated_support", "detail": case} if rng.random() < 0.6 else \
                {"type": "okta_initiated", "detail": None}
            self.admin_action(staff, ctx, t, "support.org.view", None, None, uri="/support/org",
                              extra={"supportAction": {"id": em.request_id()[:20], "type": kid, "description": desc,
                                                       "reason": reason}})
            t += rng.randint(1, 12) * MIN_MS
        self.admin_action(staff, ctx, t, "support.org.update", None, None, uri="/support/org",
                          extra={"supportAction": {"id": em.request_id()[:20], "type": "reset_mfa",
                                                   "description": "Reset a user's factors",
                                                   "reason": {"type": "customer_initiated_support",
                                                              "detail": case}}})
        admin = rng.choice(org.super_admins or org.people)
        t += rng.randint(2, 20) * MIN_MS
        self.admin_action(staff, ctx, t, "user.session.impersonation.initiate", [admin.user_target], None,
                          uri="/support/impersonate", extra={"originalPrincipal": staff["alternateId"],
                                                             "reason": case})
        t += rng.randint(5, 45) * MIN_MS
        self.admin_action(staff, ctx, t, "user.session.impersonation.end", [admin.user_target], None,
                          uri="/support/impersonate", extra={"originalPrincipal": staff["alternateId"]})
        return {"compromised": [], "staff": [staff["alternateId"]], "impersonated": [admin.login]}

    def storyline(self, t: int) -> dict:
        """spray -> compromise -> MFA fatigue -> foothold -> escalation -> defense evasion -> mission."""
        rng, org = self.rng, self.org
        v = self.admin_victim()
        ctx = self.host(ua=rng.choice(agents.WINDOWS_BROWSERS))
        r = self.password_spray(t, ctx=ctx, success=v)
        t = r["t"] + rng.randint(5000, 60000)
        r = self.mfa_fatigue(t, v=v, ctx=ctx)
        sess, t = r["session"], r["t"]
        # foothold: the attacker enrols their own Okta Verify and mints an API token
        t += rng.randint(60_000, 600_000)
        self.admin_action(v.actor, ctx, t, "user.mfa.factor.activate", [v.user_target, org.authenticators[
            "Okta Verify"]], sess, uri="/idp/idx/credential/enroll", extra={"factor": "OKTA_VERIFY_PUSH"})
        t += rng.randint(60_000, 600_000)
        self.admin_app(v, ctx, t, sess)
        r = self.api_token_persistence(t, v, ctx, sess)
        r2 = self.privilege_escalation(r["t"], v, ctx, sess)
        r3 = self.defense_evasion(r2["t"], v, ctx, sess)
        self.data_access(r3["t"], v, ctx, sess)
        return {"compromised": sorted({v.login, *r3["compromised"]}), "sessions": [sess.sid],
                "created_accounts": r["created_accounts"], "tokens": r["tokens"]}


E_BEH = "{New Geo-Location=POSITIVE, New Device=POSITIVE, New IP=POSITIVE, New State=POSITIVE, " \
        "New Country=POSITIVE, Velocity=NEGATIVE, New City=POSITIVE}"


def run(attacks: Attacks, names: list[str], rng: random.Random) -> list[dict]:
    """Schedule and generate each named attack; returns raw results with their events' index ranges."""
    span = attacks.end_ms - attacks.start_ms
    results = []
    for k, name in enumerate(names):
        lo, hi = 0.15, 0.85
        if name == "api_token_persistence":
            hi = 0.6
        t = attacks.start_ms + int(rng.uniform(lo, hi) * span)
        i = len(attacks.out)
        r = getattr(attacks, name)(t)
        results.append((k, name, i, len(attacks.out), r))
    return results
