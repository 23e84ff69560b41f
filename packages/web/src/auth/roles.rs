//! What each role may do: the one place that says it. Every route names the [`Permission`] it
//! needs (`routes::router`), and [`may`] answers from the table in
//! [`Permission::minimum_role`]. The roles are ordered (`Viewer < Trader < Admin`) and each may
//! do everything the roles below it may.

use std::fmt;

use mirai_core::Role;
use serde::Serialize;

/// Something a user may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read what the dashboard shows: status, positions, trades, performance, proposals,
    /// backtests, news and rationale search, `/api/me`.
    Read,
    /// Pause trading, and resume after a pause (never after the kill switch).
    PauseResume,
    /// Approve or reject proposals (orders held for a person).
    DecideProposals,
    /// Start backtests.
    RunBacktests,
    /// Use the kill switch, and resume after it (or after a halt by the system).
    KillSwitch,
    /// Change the risk limits.
    RiskLimits,
    /// Approve or revoke live trading.
    LiveApproval,
    /// Read the audit log.
    Audit,
    /// Add, remove and change users.
    ManageUsers,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 9] = [
        Permission::Read,
        Permission::PauseResume,
        Permission::DecideProposals,
        Permission::RunBacktests,
        Permission::KillSwitch,
        Permission::RiskLimits,
        Permission::LiveApproval,
        Permission::Audit,
        Permission::ManageUsers,
    ];

    /// The least role that has this permission: the table itself.
    pub const fn minimum_role(self) -> Role {
        match self {
            Permission::Read => Role::Viewer,
            Permission::PauseResume | Permission::DecideProposals | Permission::RunBacktests => Role::Trader,
            Permission::KillSwitch
            | Permission::RiskLimits
            | Permission::LiveApproval
            | Permission::Audit
            | Permission::ManageUsers => Role::Admin,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::PauseResume => "pause_resume",
            Permission::DecideProposals => "decide_proposals",
            Permission::RunBacktests => "run_backtests",
            Permission::KillSwitch => "kill_switch",
            Permission::RiskLimits => "risk_limits",
            Permission::LiveApproval => "live_approval",
            Permission::Audit => "audit",
            Permission::ManageUsers => "manage_users",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a user with `role` may do `permission`.
pub fn may(role: Role, permission: Permission) -> bool {
    role >= permission.minimum_role()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_the_three_roles() {
        let allowed = |role: Role| -> Vec<&str> {
            Permission::ALL.into_iter().filter(|p| may(role, *p)).map(Permission::as_str).collect()
        };
        assert_eq!(allowed(Role::Viewer), ["read"]);
        assert_eq!(allowed(Role::Trader), ["read", "pause_resume", "decide_proposals", "run_backtests"]);
        assert_eq!(allowed(Role::Admin).len(), Permission::ALL.len(), "an admin may do everything");
    }
}
