"""Short descriptions of the event types an admin meets most, written for this project in plain words (what
happened and why an investigator would care), and a readable category for every type from its name.

Types not described here still appear in the catalog page with their counts; the category comes from the
first segments of the name (`user.session.*` → Sign-in and sessions).
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    # sign-in and sessions
    "user.session.start": "A user signed in to the identity provider, or tried to. The outcome says whether "
                          "the password was right; UNKNOWN_USER and INVALID_CREDENTIALS failures show "
                          "enumeration and password spraying.",
    "user.session.end": "A user's session ended: sign-out, expiry or a forced logout.",
    "user.session.clear": "An admin or a policy cleared a user's sessions, forcing them to sign in again.",
    "user.session.expire": "A session ran out of time and was closed.",
    "user.session.access_admin_app": "A user opened the admin console. Watch it for accounts that should "
                                     "never administer anything.",
    "user.session.context.change": "The network, device or browser of an existing session changed during "
                                   "its life.",
    "user.session.impersonation.grant": "The org granted the provider's support staff access to act as a "
                                        "user for troubleshooting.",
    "user.session.impersonation.extend": "Support access to the org was extended past its first window.",
    "user.session.impersonation.revoke": "Support access to the org was withdrawn before it expired.",
    "user.session.impersonation.initiate": "A support engineer started acting as a user of the org.",
    "user.session.impersonation.end": "A support engineer stopped acting as a user of the org.",
    "policy.evaluate_sign_on": "The sign-on policy was evaluated for an attempt; the outcome tells whether it "
                               "allowed, denied or asked for another factor.",
    "policy.rule.activate": "A policy rule was turned on.",
    # authentication
    "user.authentication.sso": "A signed-in user was sent into an application through single sign-on. The "
                               "targets name the app instance and the app user.",
    "user.authentication.auth_via_mfa": "A user answered a second-factor challenge (push, code, key). Many "
                                        "failures in a row suggest push fatigue or a stolen password.",
    "user.authentication.auth_via_richclient": "A desktop or mobile mail client signed in with a password "
                                               "(legacy authentication, a common spraying target).",
    "user.authentication.auth_via_radius": "A VPN or network device authenticated a user through RADIUS.",
    "user.authentication.auth_via_AD_agent": "A password was checked against Active Directory through the "
                                             "on-premises agent.",
    "user.authentication.auth_via_IDP": "A user signed in through an external identity provider.",
    "user.authentication.auth_via_social": "A user signed in with a social identity (Google, Apple, ...).",
    "user.authentication.authenticate": "A user proved their identity to an authenticator in a sign-in flow.",
    "user.authentication.verify": "A user was verified with one authenticator during sign-in.",
    "user.authentication.slo": "A single logout propagated from an application.",
    "user.mfa.factor.activate": "A user enrolled a new second factor.",
    "user.mfa.factor.deactivate": "A second factor was removed from an account. Removing MFA is a classic "
                                  "step before an account takeover.",
    "user.mfa.factor.update": "A user's second factor was changed.",
    "user.mfa.factor.reset_all": "Every factor of a user was reset, leaving the account without MFA until "
                                 "the user enrolls again.",
    "user.mfa.factor.suspend": "A second factor was suspended.",
    "user.mfa.okta_verify.deny_push": "A user pressed 'No, it's not me' on a push notification: someone "
                                      "else may hold their password.",
    "user.mfa.attempt_bypass": "A sign-in tried to skip a required factor.",
    "system.push.send_factor_verify_push": "A push notification was sent to a user's phone for approval.",
    "system.sms.send_factor_verify_message": "A one-time code was sent to a user by SMS.",
    "system.voice.send_phone_verification_call": "A verification call was placed to a user's phone.",
    "system.email.send_factor_verify_message": "A verification code was sent to a user by email.",
    # accounts
    "user.account.lock": "An account was locked after too many failed passwords: a sign of brute force.",
    "user.account.unlock": "A locked account was unlocked.",
    "user.account.unlock_by_admin": "An admin unlocked an account.",
    "user.account.update_password": "A user changed their own password.",
    "user.account.reset_password": "A user's password was reset (by an admin or through recovery). After a "
                                   "takeover the attacker often resets it to keep access.",
    "user.account.update_profile": "A user's profile attributes changed.",
    "user.account.privilege.grant": "An admin role was granted to a user; debugData.privilegeGranted names "
                                    "it. Review every grant of Super administrator.",
    "user.account.privilege.revoke": "An admin role was taken away from a user.",
    "user.account.report_suspicious_activity_by_enduser": "A user reported that they did not recognise "
                                                          "activity on their account.",
    "user.account.update_primary_email": "The primary email of an account changed (a takeover may re-route "
                                         "recovery mail).",
    "user.lifecycle.create": "A user account was created.",
    "user.lifecycle.activate": "A user account was activated.",
    "user.lifecycle.deactivate": "A user account was deactivated.",
    "user.lifecycle.suspend": "A user account was suspended; it cannot sign in until unsuspended.",
    "user.lifecycle.unsuspend": "A suspended account was returned to use.",
    "user.lifecycle.delete.initiated": "Deletion of a user account started.",
    "user.lifecycle.password_mass_expiry": "Passwords of many users were expired at once.",
    "user.credential.enroll": "A user enrolled a new credential.",
    # groups and apps
    "group.user_membership.add": "A user was added to a group, and so to every app and policy tied to it.",
    "group.user_membership.remove": "A user was removed from a group.",
    "group.lifecycle.create": "A group was created.",
    "group.lifecycle.delete": "A group was deleted.",
    "group.privilege.grant": "An admin role was granted to a whole group.",
    "group.privilege.revoke": "An admin role was taken from a group.",
    "application.user_membership.add": "A user was assigned to an application.",
    "application.user_membership.remove": "A user's assignment to an application was removed.",
    "application.user_membership.change_username": "The username a user has inside an application changed.",
    "application.lifecycle.create": "An application integration was added to the org.",
    "application.lifecycle.update": "An application integration's settings changed.",
    "application.lifecycle.activate": "An application integration was turned on.",
    "application.lifecycle.deactivate": "An application integration was turned off.",
    "application.lifecycle.delete": "An application integration was removed.",
    "application.provision.user.push": "User data was pushed to an application by provisioning.",
    "application.provision.user.sync": "A user was synchronised with an application.",
    "app.oauth2.as.token.grant": "An authorization server issued a token to a client.",
    "app.oauth2.as.token.grant.access_token": "An authorization server issued an access token.",
    "app.oauth2.as.token.grant.id_token": "An authorization server issued an ID token.",
    "app.oauth2.as.authorize": "A client asked an authorization server to authorize a user.",
    "app.oauth2.token.grant": "An OAuth client was issued a token.",
    "app.oauth2.as.consent.grant": "A user consented to let an application use their data.",
    "app.generic.unauth_app_access_attempt": "Someone tried to open an application they are not assigned to.",
    # org configuration and security
    "policy.lifecycle.create": "A policy was created.",
    "policy.lifecycle.update": "A policy changed. Weakened sign-on or MFA policies deserve a look.",
    "policy.lifecycle.delete": "A policy was deleted.",
    "policy.lifecycle.activate": "A policy was turned on.",
    "policy.lifecycle.deactivate": "A policy was turned off.",
    "policy.rule.add": "A rule was added to a policy.",
    "policy.rule.update": "A policy rule changed.",
    "policy.rule.delete": "A policy rule was removed.",
    "policy.rule.deactivate": "A policy rule was turned off.",
    "zone.create": "A network zone was created.",
    "zone.update": "A network zone changed; an attacker may add their own addresses to a trusted zone.",
    "zone.delete": "A network zone was deleted.",
    "zone.deactivate": "A network zone was turned off.",
    "system.api_token.create": "An API token was created; it acts with its creator's privileges.",
    "system.api_token.revoke": "An API token was revoked.",
    "system.api_token.update": "An API token's settings changed.",
    "system.agent.ad.connect": "An Active Directory agent connected.",
    "system.org.rate_limit.warning": "The org approached a rate limit.",
    "system.org.rate_limit.violation": "The org exceeded a rate limit; requests were refused.",
    "system.import.start": "A directory import started.",
    "system.import.complete": "A directory import finished.",
    "security.threat.detected": "Requests matched a threat the provider tracks (for example a known bad IP "
                                "or a password-spraying pattern).",
    "security.request.blocked": "A request was blocked because of its network or reputation.",
    "security.session.detect_client_roaming": "A session moved to another network or place mid-way, which "
                                              "may mean a stolen session cookie.",
    "security.authenticator.lifecycle.activate": "An authenticator was enabled for the org.",
    "security.authenticator.lifecycle.deactivate": "An authenticator was disabled for the org.",
    "support.org.view": "Provider support staff viewed the org's pages or data.",
    "support.org.update": "Provider support staff changed the org's settings or data.",
    "core.concurrency.org.limit.violation": "Too many requests ran at the same time for the org.",
    "device.enrollment.create": "A device was enrolled.",
    "device.lifecycle.deactivate": "A device was deactivated.",
    "device.user.add": "A device was linked to a user.",
    "device.user.remove": "A device was unlinked from a user.",
    "event_hook.delivery": "An event hook delivered events to its endpoint.",
    "event_hook.created": "An event hook was created.",
}

# Longest prefix first; the category a reader would look under.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("user.session.impersonation", "Support access"),
    ("support.", "Support access"),
    ("user.session", "Sign-in and sessions"),
    ("user.authentication", "Authentication"),
    ("user.mfa", "Multifactor"),
    ("system.push", "Multifactor"),
    ("system.sms", "Multifactor"),
    ("system.voice", "Multifactor"),
    ("system.email", "Multifactor"),
    ("user.account.privilege", "Admin privileges"),
    ("group.privilege", "Admin privileges"),
    ("user.account", "Accounts"),
    ("user.lifecycle", "Accounts"),
    ("user.credential", "Accounts"),
    ("user.", "Users"),
    ("group.", "Groups"),
    ("application.", "Applications"),
    ("app.", "Applications"),
    ("policy.", "Policies"),
    ("zone.", "Network zones"),
    ("security.", "Security"),
    ("system.api_token", "API tokens"),
    ("system.", "System"),
    ("device.", "Devices"),
    ("event_hook.", "Hooks"),
)

_LOWER = {k.lower(): k for k in DESCRIPTIONS}


def category(event_type: str) -> str:
    """The category of an event type, from the longest matching prefix; `Other` when none does."""
    low = event_type.lower()
    for prefix, name in CATEGORIES:
        if low.startswith(prefix.lower()):
            return name
    return "Other"


def describe(event_type: str) -> tuple[str, str | None]:
    """(the name spelled as published, our description or None). The store may hand back lower-cased names;
    the table restores their spelling."""
    name = _LOWER.get(event_type.lower(), event_type)
    return name, DESCRIPTIONS.get(name)
