"""glasslog: a self-hostable System Log in Okta's LogEvent format.

    import glasslog
    log = glasslog.open("data-dir")
    log.ingest(events, org="acme")
    log.search(org="acme", filter='eventType eq "user.session.start"')
"""

from glasslog.errors import FilterError, GlasslogError
from glasslog.log import Log, open

__all__ = ["FilterError", "GlasslogError", "Log", "open"]
__version__ = "0.1.0"
