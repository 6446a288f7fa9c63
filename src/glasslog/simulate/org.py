"""The simulated org: people (home city, time zone, hours, devices, IPs), apps, groups, policies, zones,
admins, help desk, service accounts, the system principal and the provider's support staff."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from glasslog.simulate import agents
from glasslog.simulate.emit import Ctx, Emitter
from glasslog.simulate.geo import (
    HOME_KINDS,
    HOSTING_KINDS,
    MOBILE_KINDS,
    OFFICE_CITIES,
    OFFICE_KINDS,
    TRAVEL_CITIES,
    GeoIP,
    IPInfo,
)

FIRST = ("Olivia Liam Emma Noah Ava Oliver Sophia Elijah Isabella James Mia William Amelia Benjamin Harper "
         "Lucas Evelyn Henry Abigail Alexander Emily Daniel Ella Matthew Aria Samuel Chloe David Layla Joseph "
         "Nora Carter Lily Owen Zoe Wyatt Riley John Hannah Jack Priya Arjun Ananya Rohan Wei Mei Hiroshi Yuki "
         "Sakura Kenji Lena Jonas Mateo Lucia Sofia Diego Camila Ingrid Lars Fatima Omar Aisha Tariq Chen Min-jun "
         "Ji-woo Nadia Pierre Camille Giulia Marco Anya Ivan Zara Kwame Amara Tomas Elena").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
         "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
         "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
         "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Sharma Gupta Tanaka Suzuki Sato Kim "
         "Park Muller Schmidt Schneider Fischer Dubois Moreau Rossi Bianchi Silva Santos Oliveira Kowalski "
         "Novak Larsen Berg Okafor Mensah Cohen Levi Haddad Chen Wang Zhang Liu O'Brien Murphy Kelly").split()

DEPARTMENTS = ("Engineering", "Sales", "Marketing", "Finance", "People", "IT", "Support", "Legal", "Operations")
DEPT_WEIGHTS = (30, 18, 9, 7, 5, 6, 12, 3, 10)

# (displayName, sso url key, base popularity, departments that get it by default; () = everyone)
APPS = (
    ("Microsoft Office 365", "office365", 10, ()),
    ("Slack", "slack", 12, ()),
    ("Zoom", "zoomus", 6, ()),
    ("Google Workspace", "google", 5, ()),
    ("Workday", "workday", 1.2, ()),
    ("Atlassian Cloud", "atlassian", 7, ("Engineering", "IT", "Support", "Operations", "Marketing")),
    ("GitHub Enterprise Cloud", "githubcloud", 7, ("Engineering",)),
    ("AWS Account Federation", "amazon_aws", 3, ("Engineering", "IT", "Operations")),
    ("Datadog", "datadog", 2.5, ("Engineering", "Operations")),
    ("Salesforce.com", "salesforce", 9, ("Sales", "Marketing", "Support", "Finance")),
    ("Gong", "gong", 3, ("Sales",)),
    ("Zendesk", "zendesk", 9, ("Support",)),
    ("Box", "boxnet", 2.5, ("Finance", "Legal", "People", "Sales", "Marketing", "Operations")),
    ("DocuSign", "docusign", 2, ("Legal", "Sales", "Finance", "People")),
    ("NetSuite", "netsuite", 4, ("Finance",)),
    ("Greenhouse", "greenhouse", 4, ("People",)),
    ("Tableau Cloud", "tableau_online", 2, ("Finance", "Sales", "Operations", "Marketing")),
    ("ServiceNow", "servicenow_app2", 3, ("IT", "Operations")),
    ("Figma", "figma", 2, ("Marketing", "Engineering")),
)
ADMIN_CONSOLE = "Okta Admin Console"
DASHBOARD = "Okta Dashboard"

ROLES = ("Super administrator", "Organization administrator", "Application administrator", "Group administrator",
         "Help Desk administrator", "Read-only administrator", "Report administrator")


@dataclass
class App:
    name: str
    key: str
    weight: float
    depts: tuple
    target: dict
    uri: str


@dataclass
class Person:
    idx: int
    id: str
    login: str
    name: str
    dept: str
    role: str  # user | admin | super_admin | helpdesk
    home_key: str
    office_key: str | None
    tz: ZoneInfo
    start_hour: float
    hours: float
    activity: float
    actor: dict
    user_target: dict
    laptop_ua: str
    phone_ua: str
    home: IPInfo
    mobile: IPInfo
    office: IPInfo | None
    ctx: dict = field(default_factory=dict)  # name -> Ctx
    apps: list = field(default_factory=list)  # [(App, appuser target)]
    app_cum: list = field(default_factory=list)
    ad: bool = False
    outlook: bool = False
    vpn: bool = False
    relay: bool = False
    totp: bool = False
    fastpass_device: dict | None = None
    trip: tuple | None = None  # (depart_ms, return_ms, city key)
    trip_ctx: dict = field(default_factory=dict)
    known_ips: set = field(default_factory=set)
    known_dt: set = field(default_factory=set)
    known_cities: set = field(default_factory=set)
    known_countries: set = field(default_factory=set)
    last_loc: tuple | None = None  # (t, lat, lon)
    groups: list = field(default_factory=list)
    locked_until: int = 0


@dataclass
class Org:
    name: str
    domain: str
    okta_domain: str
    people: list
    apps: list
    app_by_key: dict
    groups: dict  # name -> target
    policy: dict
    rules: dict
    admin_console: dict
    dashboard: dict
    zones: dict  # name -> target
    offices: list  # keys
    hq: str
    office_ips: dict  # key -> IPInfo
    vpn: IPInfo
    radius: IPInfo
    admins: list
    super_admins: list
    helpdesk: list
    service_accounts: list  # (actor, Ctx, token_id, token_name)
    system_actor: dict
    support_staff: list  # (actor, Ctx)
    ad_app: dict
    radius_app: dict
    office_zone_ips: set
    authenticators: dict


def build_org(name: str, users: int, rng: random.Random, em: Emitter, geo: GeoIP) -> Org:
    domain = f"{name.lower().replace(' ', '')}.com"
    okta_domain = f"{name.lower().replace(' ', '')}.okta.com"
    us_offices = [c for c in OFFICE_CITIES if c.endswith("United States")]
    hq = rng.choice(us_offices)
    others = [c for c in OFFICE_CITIES if c != hq]
    rng.shuffle(others)
    n_off = 3 if users < 100 else 4 if users < 400 else 6
    offices = [hq] + others[: n_off - 1]
    office_weights = [4] + [1] * (n_off - 1)

    office_ips = {k: geo.pick(rng, k, OFFICE_KINDS) for k in offices}
    vpn = geo.pick(rng, hq, HOSTING_KINDS)
    radius = office_ips[hq]

    def target(kind: str, tid: str, alt: str, disp: str, detail: dict | None = None) -> dict:
        return {"id": tid, "type": kind, "alternateId": alt, "displayName": disp, "detailEntry": detail}

    apps = []
    for disp, key, w, depts in APPS:
        aid = em.okta_id("0oa")
        apps.append(App(disp, key, w, depts, target("AppInstance", aid, disp, disp, {"signOnModeType": "SAML_2_0"}),
                        f"/app/{key}/{aid[3:]}/sso/saml"))
    app_by_key = {a.key: a for a in apps}
    admin_console = target("AppInstance", em.okta_id("0oa"), ADMIN_CONSOLE, ADMIN_CONSOLE, None)
    dashboard = target("AppInstance", em.okta_id("0oa"), DASHBOARD, DASHBOARD, None)
    ad_app = target("AppInstance", em.okta_id("0oa"), "Active Directory", f"{name.upper()} AD", None)
    radius_app = target("AppInstance", em.okta_id("0oa"), "RADIUS App", "VPN (RADIUS)", None)

    groups = {g: target("UserGroup", em.okta_id("00g"), g, g) for g in
              ("Everyone", *DEPARTMENTS, "Okta Administrators", "AWS-Admins", "AWS-ReadOnly", "VPN Users",
               "Contractors", "Box-Finance", "Box-Legal", "Remote Workers", "Managers")}
    pol = em.okta_id("00p")
    policy = target("PolicyEntity", pol, "unknown", "Default Policy", {"policyType": "OktaSignOn"})
    rules = {r: target("PolicyRule", em.okta_id("0pr"), pol, r) for r in
             ("Corporate network", "Require MFA off-network", "Admins always MFA", "Default Rule")}
    zones = {z: target("Zone", em.okta_id("nzo"), z, z) for z in
             ("Corporate Offices", "Corporate VPN", "BlockedIpZone", "LegacyIpZone")}
    authenticators = {a: target("AuthenticatorEnrollment", em.okta_id("pfd"), "unknown", a) for a in
                      ("Password", "Okta Verify", "Google Authenticator", "Okta FastPass")}

    people: list[Person] = []
    seen_logins: set[str] = set()
    tz_cache: dict[str, ZoneInfo] = {}
    n_admin = max(2, users // 60)
    n_super = max(1, users // 250)
    n_help = max(1, users // 80)
    for i in range(users):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        base = f"{first}.{last}".lower().replace("'", "")
        login, k = f"{base}@{domain}", 2
        while login in seen_logins:
            login, k = f"{base}{k}@{domain}", k + 1
        seen_logins.add(login)
        dept = rng.choices(DEPARTMENTS, DEPT_WEIGHTS)[0]
        if i < n_super:
            role, dept = "super_admin", "IT"
        elif i < n_super + n_admin:
            role, dept = "admin", "IT"
        elif i < n_super + n_admin + n_help:
            role, dept = "helpdesk", "IT"
        else:
            role = "user"
        remote = rng.random() < 0.25
        office_key = None if remote else rng.choices(offices, office_weights)[0]
        if remote:
            ref = geo.city(rng.choice(offices))
            same = [c for c in OFFICE_CITIES if geo.city(c).country_code == ref.country_code]
            home_key = rng.choice(same)
        else:
            home_key = office_key
        city = geo.city(home_key)
        tz = tz_cache.get(city.timezone) or tz_cache.setdefault(city.timezone, ZoneInfo(city.timezone))
        uid = em.okta_id("00u")
        disp = f"{first} {last}"
        mac = rng.random() < (0.7 if dept == "Engineering" else 0.45)
        if dept == "Engineering" and rng.random() < 0.08:
            laptop = rng.choice(agents.LINUX_BROWSERS)
        else:
            laptop = rng.choice(agents.MAC_BROWSERS if mac else agents.WINDOWS_BROWSERS)
        phone = rng.choice(agents.IOS_BROWSERS if rng.random() < 0.6 else agents.ANDROID_BROWSERS)
        relay = rng.random() < 0.03
        home = geo.pick(rng, home_key, ("content", "isp") if relay else HOME_KINDS, is_proxy=relay)
        mobile = geo.pick(rng, home_key, MOBILE_KINDS)
        p = Person(
            idx=i, id=uid, login=login, name=disp, dept=dept, role=role, home_key=home_key, office_key=office_key,
            tz=tz, start_hour=rng.uniform(7.0, 10.0), hours=rng.uniform(7.5, 9.5), activity=rng.uniform(0.6, 1.4),
            actor={"id": uid, "type": "User", "alternateId": login, "displayName": disp, "detailEntry": None},
            user_target={"id": uid, "type": "User", "alternateId": login, "displayName": disp, "detailEntry": None},
            laptop_ua=laptop, phone_ua=phone, home=home, mobile=mobile,
            office=office_ips.get(office_key) if office_key else None,
        )
        p.ad = rng.random() < 0.55
        p.outlook = "Windows" in laptop and rng.random() < 0.5 or (mac and rng.random() < 0.15)
        p.vpn = dept in ("Engineering", "IT", "Operations", "Finance") and rng.random() < 0.35
        p.relay = relay
        p.totp = rng.random() < 0.12
        if rng.random() < 0.3:
            p.fastpass_device = {
                "id": em.okta_id("guo"), "name": rng.choice(("Mac15,6", "MacBookPro18,3", "Mac14,2"))
                if mac else f"DESKTOP-{em.okta_id('')[:7].upper()}",
                "os_platform": "OSX" if mac else "WINDOWS", "os_version": "14.6.0" if mac else "10.0.22631",
                "managed": rng.random() < 0.8, "registered": True, "device_integrator": None,
                "disk_encryption_type": "ALL_INTERNAL_VOLUMES" if mac else "FULL",
                "screen_lock_type": "BIOMETRIC" if mac else "PASSCODE", "jailbreak": None,
                "secure_hardware_present": True,
            }
        lap_dt, ph_dt = em.hex64(), em.hex64()
        p.ctx["laptop_home"] = Ctx(home, laptop, None, lap_dt)
        p.ctx["phone_mobile"] = Ctx(mobile, phone, None, ph_dt)
        p.ctx["phone_home"] = Ctx(home, phone, None, ph_dt)
        if p.office:
            p.ctx["laptop_office"] = Ctx(p.office, laptop, "Corporate Offices", lap_dt)
            p.ctx["phone_office"] = Ctx(p.office, phone, "Corporate Offices", ph_dt)
        if p.vpn:
            p.ctx["laptop_vpn"] = Ctx(vpn, laptop, "Corporate VPN", lap_dt)
        if p.outlook:
            ol = agents.OUTLOOK_MAC if mac else agents.OUTLOOK_WINDOWS
            p.ctx["outlook_home"] = Ctx(home, ol, None, em.hex64())
            if p.office:
                p.ctx["outlook_office"] = Ctx(p.office, ol, "Corporate Offices", p.ctx["outlook_home"].dt)
        for c in p.ctx.values():
            p.known_ips.add(c.info.ip)
            p.known_dt.add(c.dt)
            p.known_cities.add(c.info.geo["city"])
            p.known_countries.add(c.info.geo["country"])
        # apps
        for a in apps:
            if not a.depts or dept in a.depts or (role != "user" and a.key in ("servicenow_app2", "amazon_aws")):
                if a.depts and rng.random() < 0.1:
                    continue
                au = {"id": em.okta_id("0ua"), "type": "AppUser", "alternateId": login, "displayName": disp,
                      "detailEntry": None}
                p.apps.append((a, au))
        total = 0.0
        for a, _ in p.apps:
            total += a.weight * rng.uniform(0.3, 1.7)
            p.app_cum.append(total)
        p.groups = [groups["Everyone"], groups[dept]]
        people.append(p)

    admins = [p for p in people if p.role in ("admin", "super_admin")]
    supers = [p for p in people if p.role == "super_admin"]
    helpdesk = [p for p in people if p.role == "helpdesk"]

    service_accounts = []
    aws = geo.pick(rng, "Ashburn, United States", HOSTING_KINDS)
    for login, disp, ua in (
        (f"svc-scim@{domain}", "SCIM Provisioning", agents.SDK_JAVA),
        (f"svc-hr-sync@{domain}", "HR Sync", agents.SDK_PYTHON),
        (f"svc-reports@{domain}", "Access Reports", agents.URLLIB_PY3),
        (f"svc-offboarding@{domain}", "Offboarding Automation", agents.REQUESTS),
    ):
        sid = em.okta_id("00u")
        actor = {"id": sid, "type": "User", "alternateId": login, "displayName": disp, "detailEntry": None}
        service_accounts.append((actor, Ctx(aws, ua, None, em.hex64()), em.okta_id("00T"), f"{disp} token"))
    system_actor = {"id": "0oa1" + em.okta_id("")[:16], "type": "SystemPrincipal", "alternateId": "system@okta.com",
                    "displayName": "Okta System", "detailEntry": None}
    support_staff = []
    for _ in range(3):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        sid = em.okta_id("00u")
        actor = {"id": sid, "type": "User", "alternateId": f"{first}.{last}@okta.com".lower().replace("'", ""),
                 "displayName": f"{first} {last}", "detailEntry": None}
        ip = geo.pick(rng, rng.choice(("San Francisco, United States", "Toronto, Canada", "Dublin, Ireland")),
                      HOSTING_KINDS)
        support_staff.append((actor, Ctx(ip, rng.choice(agents.MAC_BROWSERS), None, em.hex64())))

    return Org(
        name=name, domain=domain, okta_domain=okta_domain, people=people, apps=apps, app_by_key=app_by_key,
        groups=groups, policy=policy, rules=rules, admin_console=admin_console, dashboard=dashboard, zones=zones,
        offices=offices, hq=hq, office_ips=office_ips, vpn=vpn, radius=radius, admins=admins, super_admins=supers,
        helpdesk=helpdesk, service_accounts=service_accounts, system_actor=system_actor,
        support_staff=support_staff, ad_app=ad_app, radius_app=radius_app,
        office_zone_ips={i.ip for i in office_ips.values()}, authenticators=authenticators,
    )


def travel_destinations(geo: GeoIP, home_key: str) -> list[str]:
    home = geo.city(home_key)
    return [c for c in TRAVEL_CITIES if geo.city(c).country_code != home.country_code]
