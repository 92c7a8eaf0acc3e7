//! Data-center ids.

/// A Telegram data center, by the id the server uses (`PHONE_MIGRATE_2` names `DcId(2)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DcId(pub i32);

impl DcId {
    /// DC 2, where Telegram's own apps start a login when they know nothing better.
    pub const DEFAULT: DcId = DcId(2);
}

impl std::fmt::Display for DcId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DC {}", self.0)
    }
}

impl From<i32> for DcId {
    fn from(id: i32) -> Self {
        DcId(id)
    }
}
