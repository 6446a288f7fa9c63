"""Real IP addresses with real geography, from the offline `whereip` data set (PyPI, MIT; the network extra
`whereip-network` adds the announcing AS). Nothing here is invented: a simulated IP is drawn from the address
ranges the data set assigns to a city, and its `geographicalContext` / `securityContext` are what a lookup of
that IP returns. Tests check exactly that (`lookup(ip)` equals the event's geo).

Pinned versions matter for determinism (same seed, same data set, same output): whereip 0.1.6,
whereip-network 0.1.0.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from functools import cache
from math import asin, cos, radians, sin, sqrt

import whereip
from whereip import _database as _wdb  # city ids and range walking are not public API

# (query, label) for the cities the simulator uses. Offices and homes come from the first group; travel
# destinations and attacker infrastructure from the rest. The query is what `whereip.search` resolves.
OFFICE_CITIES = (
    "San Francisco, United States", "New York, United States", "Austin, United States",
    "Seattle, United States", "Chicago, United States", "Denver, United States", "Boston, United States",
    "Atlanta, United States", "Toronto, Canada", "London, United Kingdom", "Dublin, Ireland",
    "Berlin, Germany", "Paris, France", "Amsterdam, Netherlands", "Bengaluru, India", "Singapore, Singapore",
    "Sydney, Australia", "Tokyo, Japan", "São Paulo, Brazil", "Mexico City, Mexico",
)
TRAVEL_CITIES = (
    "Madrid, Spain", "Stockholm, Sweden", "Zurich, Switzerland", "Tel Aviv, Israel", "Dubai, United Arab Emirates",
    "Seoul, South Korea", "Hong Kong", "Warsaw, Poland", "Johannesburg, South Africa", "Manila, Philippines",
    "Frankfurt, Germany", "Jakarta, Indonesia",
) + OFFICE_CITIES
ATTACKER_CITIES = (
    "Bucharest, Romania", "Moscow, Russia", "Lagos, Nigeria", "Hanoi, Vietnam", "Kyiv, Ukraine",
    "Frankfurt, Germany", "Amsterdam, Netherlands", "Ashburn, United States", "Singapore, Singapore",
    "Jakarta, Indonesia", "Tehran, Iran", "Hong Kong", "São Paulo, Brazil", "Warsaw, Poland",
)
ALL_CITIES = tuple(dict.fromkeys(OFFICE_CITIES + TRAVEL_CITIES + ATTACKER_CITIES))

HOME_KINDS = ("isp",)
MOBILE_KINDS = ("mobile", "isp")
OFFICE_KINDS = ("isp", "transit")
HOSTING_KINDS = ("hosting", "content")


@dataclass(frozen=True, slots=True)
class City:
    key: str  # the query that named it
    id: int  # whereip's city index
    name: str
    state: str
    country: str
    country_code: str
    timezone: str
    lat: float
    lon: float


@dataclass(slots=True)
class IPInfo:
    """One address with the facts an Okta event carries about it."""

    ip: str
    city: City
    geo: dict  # geographicalContext
    security: dict  # securityContext
    chain_entry: dict  # one request.ipChain element
    asn: int | None
    category: str  # whereip-network operator category: isp, mobile, hosting, ...


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * 6371.0 * asin(min(1.0, sqrt(a)))


def geo_context(place) -> dict:  # noqa: ANN001 - whereip.Place
    return {
        "city": place.city,
        "state": place.region.name or None,
        "country": place.country.name,
        "postalCode": place.postal_code or None,
        "geolocation": {"lat": place.point.latitude, "lon": place.point.longitude},
    }


def lookup_geo(ip: str) -> dict | None:
    """The geographicalContext the data set gives for an IP (what tests compare events against)."""
    place = whereip.lookup(ip)
    return geo_context(place) if place else None


def lookup_security(ip: str, is_proxy: bool = False) -> dict:
    net = whereip.network(ip)
    if net is None:
        return {"asNumber": None, "asOrg": None, "isp": None, "domain": None, "isProxy": is_proxy}
    op = net.operator
    return {
        "asNumber": net.asn,
        "asOrg": (op.company or net.name or "").lower() or None,
        "isp": (op.brand or net.name or "").lower() or None,
        "domain": op.domain or None,
        "isProxy": is_proxy,
    }


class GeoIP:
    """City resolution and IP sampling over the bundled data set. Build once per process (`geoip()`)."""

    def __init__(self) -> None:
        self.db = _wdb._default()
        self.cities: dict[str, City] = {}
        by_id: dict[int, str] = {}
        for key in ALL_CITIES:
            cid = self._resolve(key)
            place = self.db._place(cid)
            self.cities[key] = City(key, cid, place.city, place.region.name, place.country.name,
                                    place.country.code, place.timezone, place.point.latitude, place.point.longitude)
            by_id[cid] = key
        # One pass over the IPv4 index: the /24 runs owned by each of our cities.
        self.ranges: dict[str, list[tuple[int, int]]] = {k: [] for k in self.cities}
        shift = self.db.v4_shift
        run_city = None
        run_start = 0
        for unit, owner in self.db._entries(self.db._v4):
            if run_city is not None:
                self.ranges[run_city].append((run_start, unit))
                run_city = None
            key = by_id.get(owner)
            if key is not None:
                run_city, run_start = key, unit
        if run_city is not None:
            self.ranges[run_city].append((run_start, self.db._v4_end))
        self.shift = shift
        self.weights: dict[str, list[int]] = {}
        for key, runs in self.ranges.items():
            acc, total = [], 0
            for a, b in runs:
                total += b - a
                acc.append(total)
            self.weights[key] = acc

    def _resolve(self, query: str) -> int:
        scores = self.db._scores(_wdb._words(query))
        best = max(scores.items(), key=lambda kv: (kv[1], self.db._population(kv[0]), -kv[0]))
        return best[0]

    def city(self, key: str) -> City:
        return self.cities[key]

    def info(self, ip: str, is_proxy: bool = False, city: City | None = None) -> IPInfo:
        place = whereip.lookup(ip)
        geo = geo_context(place)
        sec = lookup_security(ip, is_proxy)
        net = whereip.network(ip)
        if city is None or city.id != self.db._resolve(self.db._v4, int(ipaddress.IPv4Address(ip)) >> self.shift):
            city = City("", 0, place.city, place.region.name, place.country.name, place.country.code,
                        place.timezone, place.point.latitude, place.point.longitude)
        version = "V6" if ":" in ip else "V4"
        return IPInfo(ip, city, geo, sec, {"ip": ip, "geographicalContext": geo, "version": version, "source": None},
                      net.asn if net else None, net.operator.category if net else "")

    def pick(self, rng: random.Random, key: str, kinds: tuple[str, ...], is_proxy: bool = False,
             avoid: set[str] | None = None, tries: int = 60) -> IPInfo:
        """A real address in city `key`, preferably announced by a network of one of `kinds`."""
        runs, acc = self.ranges[key], self.weights[key]
        if not runs:
            raise LookupError(f"no IPv4 ranges for {key}")
        total = acc[-1]
        city = self.cities[key]
        best, best_rank = None, len(kinds)
        for _attempt in range(tries):
            x = rng.randrange(total)
            lo, hi = 0, len(acc) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if acc[mid] > x:
                    hi = mid
                else:
                    lo = mid + 1
            a, b = runs[lo]
            unit = a + (x - (acc[lo] - (b - a)))
            host = rng.randrange(2, 254)
            ip = str(ipaddress.IPv4Address((unit << self.shift) | host))
            if avoid and ip in avoid:
                continue
            net = whereip.network(ip)
            if net is None:
                continue
            cat = net.operator.category
            rank = kinds.index(cat) if cat in kinds else len(kinds)
            if rank == 0:
                return self.info(ip, is_proxy, city)
            if best is None or rank < best_rank:
                best, best_rank = ip, rank
        if best is None:
            raise LookupError(f"no announced address found in {key}")
        return self.info(best, is_proxy, city)


@cache
def geoip() -> GeoIP:
    return GeoIP()
