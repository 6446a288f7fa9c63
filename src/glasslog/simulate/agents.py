"""User-agent strings the simulator uses, and the one rule that turns a raw string into Okta's
`client.userAgent.os` / `.browser` and `client.device` (via `ua-parser`). Each string is parsed once."""

from __future__ import annotations

from functools import cache

import ua_parser

# Desktop browsers, by platform.
MAC_BROWSERS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36 Edg/127.0.0.0",
)
WINDOWS_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36 Edg/127.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
)
LINUX_BROWSERS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
)
IOS_BROWSERS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/127.0.6533.77 Mobile/15E148 Safari/604.1",
)
ANDROID_BROWSERS = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.6533.64 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",
)
OUTLOOK_WINDOWS = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)"
OUTLOOK_MAC = "Microsoft Office/16.0 (Macintosh; Mac OS X 10.15; Microsoft Outlook 16.86)"
AD_AGENT = ("Okta AD Agent/3.18.0 (Microsoft Windows NT 6.2.9200.0; .NET CLR 4.0.30319.42000; 64-bit OS; "
            "64-bit Process)")
RADIUS_AGENT = "Okta RADIUS Agent/2.22.1 (Microsoft Windows NT 10.0.17763.0; 64-bit OS)"
SDK_PYTHON = "okta-sdk-python/2.9.8 python/3.11.9 Linux/6.5.0-1022-aws"
SDK_JAVA = "okta-sdk-java/16.0.0 java/17.0.11 Linux/5.15.0-1064-aws"
REQUESTS = "python-requests/2.31.0"
URLLIB_PY2 = "Python-urllib/2.7"
URLLIB_PY3 = "Python-urllib/3.11"
CURL = "curl/8.4.0"
GO_HTTP = "Go-http-client/1.1"
HEADLESS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/120.0.6099.109 Safari/537.36")
OLD_BROWSERS = (  # what commodity attack kits send
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/103.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
)

# ua-parser family -> Okta's browser enum
BROWSERS = {
    "Chrome": "CHROME", "Chrome Mobile": "CHROME", "Chrome Mobile iOS": "CHROME", "Chromium": "CHROME",
    "HeadlessChrome": "CHROME",
    "Firefox": "FIREFOX", "Firefox Mobile": "FIREFOX", "Firefox iOS": "FIREFOX",
    "Safari": "SAFARI", "Mobile Safari": "SAFARI", "Mobile Safari UI/WKWebView": "SAFARI",
    "Edge": "EDGE_CHROMIUM", "Edge Mobile": "EDGE_CHROMIUM",
    "Opera": "OPERA", "IE": "IE",
}


def okta_fields(os_family: str | None, os_major: str | None, ua_family: str | None) -> tuple[str, str, str]:
    """(os, browser, client.device) from ua-parser's families: the consistency rule tests check."""
    if not os_family or os_family == "Other":
        os_name = "Unknown"
    elif os_family == "Windows" and os_major:
        os_name = f"Windows {os_major}"
    else:
        os_name = os_family
    browser = BROWSERS.get(ua_family or "", "UNKNOWN")
    if os_family in ("iOS", "Android"):
        device = "Mobile"
    elif os_name == "Unknown":
        device = "Unknown"
    else:
        device = "Computer"
    return os_name, browser, device


@cache
def parse(raw: str) -> tuple[dict, str]:
    """(client.userAgent, client.device) for a raw user agent; parsed once per string."""
    r = ua_parser.parse(raw)
    os_name, browser, device = okta_fields(r.os.family if r.os else None, r.os.major if r.os else None,
                                           r.user_agent.family if r.user_agent else None)
    return {"rawUserAgent": raw, "os": os_name, "browser": browser}, device
