//! Invalidating login codes (core.telegram.org/api/auth, "Invalidating login codes"): when the
//! user screenshots or forwards a text message from the login notification service user
//! ([`SERVICE_USER_ID`], 777000) that holds login codes, the app should at once call
//! `account.invalidateSignInCodes` with those codes, so that whoever receives the screenshot or
//! the forward cannot log in with them.
//!
//! [`find_login_codes`] finds the codes (a pure function); [`invalidate_codes`] builds the call.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::login_codes::{SERVICE_USER_ID, find_login_codes, invalidate_codes};
//! use auth_core::machine::Machine;
//! use auth_core::tl::{self, functions};
//! use auth_core::{DcId, SessionConfig};
//!
//! let text = "Login code: 12-345. Do not give this code to anyone, even if they say they are from Telegram!";
//! let codes = find_login_codes(SERVICE_USER_ID, text);
//! assert_eq!(codes.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["12345"]);
//! assert!(find_login_codes(42, text).is_empty(), "only the service user's messages count");
//!
//! // The user forwarded that message: invalidate its codes.
//! let mut call = invalidate_codes(&SessionConfig::new(DcId(2)), &codes, Instant::now())?;
//! let t = call.poll_transmit().unwrap();
//! let sent: functions::account::InvalidateSignInCodes = tl::decode(&t.body).unwrap();
//! assert_eq!(sent.codes, ["12345"]);
//! # Ok::<(), auth_core::UsageError>(())
//! ```

use std::time::Instant;

use zeroize::Zeroizing;

use crate::{config::SessionConfig, error::UsageError, machine::Call, tl::functions};

/// The user id of Telegram's login notification service, which sends login codes.
pub const SERVICE_USER_ID: i64 = 777_000;

/// The fewest digits a login code has.
pub const MIN_DIGITS: usize = 5;
/// The most digits a login code has.
pub const MAX_DIGITS: usize = 7;

/// A login code found in a message, digits only. Zeroized on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginCode(Zeroizing<String>);

impl std::fmt::Debug for LoginCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoginCode(<{} digits>)", self.0.len())
    }
}

impl LoginCode {
    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The login codes in a text message from `sender_user_id`: nothing unless the sender is
/// [`SERVICE_USER_ID`]. (Only text messages count: the caller passes no media captions.)
///
/// A code is a sequence of [`MIN_DIGITS`] to [`MAX_DIGITS`] ASCII decimal digits, optionally
/// interleaved with or followed by any number of `-`: a maximal run of digits and `-` that
/// starts with a digit, returned with its `-` removed. A run with fewer or more digits is no
/// code (so `2026-01-15`, eight digits, is not one). Each code is returned once, in order of
/// first appearance.
///
/// ```
/// use auth_core::login_codes::{SERVICE_USER_ID, find_login_codes};
/// let found = |text| -> Vec<String> {
///     find_login_codes(SERVICE_USER_ID, text).iter().map(|c| c.as_str().to_owned()).collect()
/// };
/// assert_eq!(found("codes 1-2-3-4-5, 1234567-- and 98765"), ["12345", "1234567", "98765"]);
/// assert!(found("1234, 12345678, 2026-01-15, 12:34:56").is_empty());
/// ```
pub fn find_login_codes(sender_user_id: i64, text: &str) -> Vec<LoginCode> {
    if sender_user_id != SERVICE_USER_ID {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut codes: Vec<LoginCode> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A run of digits and dashes, starting at a digit. Multi-byte UTF-8 characters never
        // contain ASCII bytes, so scanning bytes is scanning characters here.
        let mut digits = Zeroizing::new(String::new());
        while let Some(&b) = bytes.get(i) {
            match b {
                b'0'..=b'9' => digits.push(char::from(b)),
                b'-' => {}
                _ => break,
            }
            i += 1;
        }
        if (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
            && !codes.iter().any(|c| *c.0 == *digits)
        {
            codes.push(LoginCode(digits));
        }
    }
    codes
}

/// `account.invalidateSignInCodes(codes)`, answered with `true`, on a logged-in session.
///
/// # Errors
///
/// An unsupported layer, or a DC id that is not positive.
pub fn invalidate_codes(
    session: &SessionConfig,
    codes: &[LoginCode],
    now: Instant,
) -> Result<Call<functions::account::InvalidateSignInCodes>, UsageError> {
    let call = functions::account::InvalidateSignInCodes {
        codes: codes.iter().map(|c| c.as_str().into()).collect(),
    };
    Call::new(session, call, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        find_login_codes(SERVICE_USER_ID, text)
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect()
    }

    #[test]
    fn runs_of_digits_and_dashes() {
        assert_eq!(found("Login code: 22222."), ["22222"]);
        assert_eq!(
            found("-12345-"),
            ["12345"],
            "leading dashes are not part of it"
        );
        assert_eq!(found("12--34--56---"), ["123456"]);
        assert_eq!(found("a1234567b"), ["1234567"]);
        assert_eq!(found("12345 and 12345 again"), ["12345"], "each code once");
        assert_eq!(
            found("¹²³⁴⁵ ١٢٣٤٥ 12 345"),
            Vec::<String>::new(),
            "ASCII runs only"
        );
        assert_eq!(found("😀54321😀"), ["54321"]);
        assert!(found("").is_empty());
        assert!(found("1234").is_empty());
        assert!(found("12345678").is_empty());
        assert!(found("1234-5678").is_empty(), "eight digits in one run");
        let code = &find_login_codes(SERVICE_USER_ID, "55555")[0];
        assert_eq!(format!("{code:?}"), "LoginCode(<5 digits>)");
        assert!(find_login_codes(SERVICE_USER_ID + 1, "55555").is_empty());
    }
}
