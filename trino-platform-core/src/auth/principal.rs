//! Who a validated token speaks for.

use serde::{Deserialize, Serialize};

/// The identity a valid token carries. Holds no part of the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    /// The value of the configured principal claim (`preferred_username` by default): the user
    /// the gateway routes and Trino runs queries as.
    pub name: String,
    /// `sub`, when present.
    pub subject: Option<String>,
    /// `iss`.
    pub issuer: String,
    /// `aud`, as a list.
    pub audiences: Vec<String>,
    /// `azp`: the client the token was issued to, when present.
    pub authorized_party: Option<String>,
    /// The group names of the configured groups claim (empty when absent).
    pub groups: Vec<String>,
    /// `exp`, seconds since the Unix epoch.
    pub expires_at: u64,
}
