"""The pySigma processing pipeline for Okta rules: Sigma field names → canonical LogEvent paths.

pySigma keeps *what a rule says* (the rule) apart from *how a target spells it* (a processing pipeline) and *what
it is turned into* (a backend). glasslog follows that split: this module is the pipeline (field mapping only);
`sigma_convert.py` is the "backend", printing the glasslog filter AST instead of a query string.

Names that need mapping are the older SigmaHQ Okta spellings (all lower case: `eventtype`, `displaymessage`,
`debugcontext.debugdata.requesturi`, ...) and a few SIEM-flavoured ones. Everything else is passed through and
canonicalised by the query field table (`glasslog.query.fields.resolve`), which already matches names
case-insensitively and ignoring underscores, so `event_type` and `client.IpAddress` work as well.
"""

from __future__ import annotations

from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import FieldMappingTransformation

from glasslog.errors import FilterError
from glasslog.query.fields import resolve

FIELD_MAP: dict[str, str] = {
    # older SigmaHQ okta rules (2021-2022) spelled every field in lower case
    "eventtype": "eventType",
    "displaymessage": "displayMessage",
    "legacyeventtype": "legacyEventType",
    "debugcontext.debugdata.requesturi": "debugContext.debugData.requestUri",
    "debugcontext.debugdata.behaviors": "debugContext.debugData.behaviors",
    "debugcontext.debugdata.logonlysecuritydata": "debugContext.debugData.logOnlySecurityData",
    "securitycontext.isproxy": "securityContext.isProxy",
    "outcome.result": "outcome.result",
    "outcome.reason": "outcome.reason",
    "actor.alternateid": "actor.alternateId",
    "target.displayname": "target.displayName",
    # common SIEM spellings of the same attributes (Elastic's okta integration, Panther)
    "okta.event_type": "eventType",
    "okta.display_message": "displayMessage",
    "okta.outcome.result": "outcome.result",
    "okta.outcome.reason": "outcome.reason",
    "okta.actor.alternate_id": "actor.alternateId",
    "okta.client.ip": "client.ipAddress",
    "source.ip": "client.ipAddress",
    "user_agent.original": "client.userAgent.rawUserAgent",
    "p_event_type": "eventType",
}


def okta_pipeline() -> ProcessingPipeline:
    """The pipeline applied to every Sigma rule before conversion."""
    return ProcessingPipeline(
        name="glasslog okta field mapping",
        priority=20,
        items=[ProcessingItem(identifier="glasslog_okta_fields",
                              transformation=FieldMappingTransformation(dict(FIELD_MAP)))],
    )


def canonical_path(name: str) -> tuple[str, ...]:
    """A Sigma field name (after the pipeline) as the canonical LogEvent path; raises FilterError if unknown."""
    mapped = FIELD_MAP.get(name.lower(), name)
    return resolve(tuple(mapped.split("."))).path


__all__ = ["FIELD_MAP", "FilterError", "canonical_path", "okta_pipeline"]
