//! Sessions.

/// What a client says about itself in `initConnection`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// `api_id`.
    pub api_id: i32,
    /// `device_model`.
    pub device_model: String,
    /// `system_version`.
    pub system_version: String,
    /// `app_version`.
    pub app_version: String,
    /// `system_lang_code`.
    pub system_lang_code: String,
    /// `lang_pack`.
    pub lang_pack: String,
    /// `lang_code`.
    pub lang_code: String,
}
