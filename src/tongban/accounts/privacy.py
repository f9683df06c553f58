"""Which views of accounts show personal data (tongban.core.privacy)."""

from __future__ import annotations

from tongban.core.privacy import NONE, OWN, declare, declare_admin, staff

declare(
    {
        "accounts:login": NONE,
        "accounts:login_code": OWN,
        "accounts:federated_login_start": NONE,
        "accounts:federated_login_callback": OWN,
        "accounts:logout": NONE,
        "accounts:register": NONE,
        "accounts:profile": OWN,
        "accounts:acting": OWN,
        "accounts:enterprise_register": OWN,
        "accounts:agent_add": OWN,
        "accounts:agent_revoke": OWN,
        "accounts:notifications": OWN,
        "accounts:notifications_read_all": OWN,
        "accounts:notification_read": OWN,
        "federation:oidc_clients": NONE,
        "POST api/v1/accounts/register": OWN,
        "POST api/v1/accounts/login": NONE,
        "POST api/v1/accounts/login/otp": OWN,
        "POST api/v1/accounts/logout": NONE,
        "GET api/v1/accounts/me": OWN,
        "GET api/v1/accounts/enterprises": OWN,
        "POST api/v1/accounts/enterprises": OWN,
        "GET api/v1/accounts/enterprises/<uscc>/members": OWN,
        "POST api/v1/accounts/enterprises/<uscc>/agents": OWN,
        "POST api/v1/accounts/enterprises/<uscc>/agents/<member_id>/revoke": OWN,
        "POST api/v1/accounts/acting-enterprise": OWN,
        "GET api/v1/accounts/notifications": OWN,
        "POST api/v1/accounts/notifications/<notification_id>/read": OWN,
    }
)
declare_admin(
    [
        "accounts.user",
        "accounts.enterprise",
        "accounts.enterprisemember",
        "accounts.federatedidentity",
        "accounts.loginattempt",
        "accounts.notification",
        "accounts.staffrole",
    ],
    staff("account administration"),
)
declare_admin(["accounts.homeregionclient", "accounts.peerloginclient"], NONE)
