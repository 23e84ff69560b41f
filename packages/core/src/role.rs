//! `Role`: what a dashboard user is, from least to most trusted. What each role may do is decided
//! in one place, beside the routes (`mirai_web::auth::may`); this is only the name and the order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A user's role. Ordered: `Viewer < Trader < Admin`, and each may do everything the one before
/// it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Reads: status, positions, trades, performance, proposals, backtests, search.
    Viewer,
    /// A viewer who may also pause and resume trading, decide proposals and run backtests.
    Trader,
    /// A trader who may also use the kill switch (and resume after it), and manage risk limits,
    /// the live approval, the audit log and users.
    Admin,
}

impl Role {
    /// Every role, least trusted first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Trader, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Trader => "trader",
            Role::Admin => "admin",
        }
    }

    /// The role named exactly `s` (`viewer`, `trader` or `admin`, lowercase), if any.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not a role.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: use viewer, trader or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_named_and_parsed_exactly() {
        assert!(Role::Viewer < Role::Trader && Role::Trader < Role::Admin);
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
        }
        let err = "Admin".parse::<Role>().unwrap_err();
        assert_eq!(err.to_string(), "unknown role \"Admin\": use viewer, trader or admin");
        assert!(Role::parse("root").is_none());
    }
}
