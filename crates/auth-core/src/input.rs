//! What a person types or hands over, checked before a server attempt is spent on it: phone
//! numbers, codes, email addresses, Google/Apple ID tokens.

use zeroize::Zeroizing;

use crate::error::{CodeFormatError, UsageError};

/// A Google or Apple ID token, for verifying an email without a code. Zeroized on drop,
/// redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub enum EmailToken {
    /// From Sign in with Google.
    Google(Zeroizing<String>),
    /// From Sign in with Apple.
    Apple(Zeroizing<String>),
}

impl EmailToken {
    /// A Google ID token.
    pub fn google(token: impl Into<String>) -> Self {
        EmailToken::Google(Zeroizing::new(token.into()))
    }

    /// An Apple ID token.
    pub fn apple(token: impl Into<String>) -> Self {
        EmailToken::Apple(Zeroizing::new(token.into()))
    }
}

impl std::fmt::Debug for EmailToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EmailToken::Google(_) => "Google(<redacted>)",
            EmailToken::Apple(_) => "Apple(<redacted>)",
        })
    }
}

/// What a person answered a question of a login driver (the adapters' `Prompt`s ask with
/// it; a UI of your own may too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// The answer itself.
    Value(T),
    /// Send the code again (meaningful for a login or recovery code; to another question the
    /// driver refuses it with [`UsageError::ResendUnavailable`](crate::UsageError) and asks
    /// again).
    Resend,
    /// Forgot the password: recover it with a code sent to the recovery email (meaningful for
    /// the password when `PasswordInfo::has_recovery`; elsewhere refused and asked again). The
    /// recovery code is asked next.
    Recover,
    /// Stop the login (to the sign-up question: decline the terms). A code already sent is
    /// cancelled with `auth.cancelCode`.
    Cancel,
}

/// Another way past an email question than typing an address or a code — what a person may
/// answer instead, in either adapter's prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailAlternative {
    /// A Google or Apple ID token (where the server allows that sign-in method): verifies the
    /// email being set up, or signs in where the code went to the login email.
    Token(EmailToken),
    /// The user lost access to the login email: `auth.resetLoginEmail` sends a code another way.
    ResetLoginEmail,
}

/// The app's proof of the device's integrity that a Firebase SMS asks for
/// (`auth.requestFirebaseSms`). Zeroized on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub enum IntegrityProof {
    /// The JWS of Android's SafetyNet Attestation API over the offered `nonce`.
    SafetyNet(Zeroizing<String>),
    /// The token of Android's Play Integrity API for the offered project and nonce.
    PlayIntegrity(Zeroizing<String>),
    /// The `ios_push_secret` of the Apple push whose `receipt` was offered.
    IosPushSecret(Zeroizing<String>),
}

impl IntegrityProof {
    /// A SafetyNet attestation (JWS).
    pub fn safety_net(token: impl Into<String>) -> Self {
        IntegrityProof::SafetyNet(Zeroizing::new(token.into()))
    }

    /// A Play Integrity token.
    pub fn play_integrity(token: impl Into<String>) -> Self {
        IntegrityProof::PlayIntegrity(Zeroizing::new(token.into()))
    }

    /// An iOS push secret.
    pub fn ios_push_secret(secret: impl Into<String>) -> Self {
        IntegrityProof::IosPushSecret(Zeroizing::new(secret.into()))
    }

    /// The proof's text.
    pub(crate) fn text(&self) -> &str {
        match self {
            IntegrityProof::SafetyNet(t)
            | IntegrityProof::PlayIntegrity(t)
            | IntegrityProof::IosPushSecret(t) => t,
        }
    }
}

impl std::fmt::Debug for IntegrityProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IntegrityProof::SafetyNet(_) => "SafetyNet(<redacted>)",
            IntegrityProof::PlayIntegrity(_) => "PlayIntegrity(<redacted>)",
            IntegrityProof::IosPushSecret(_) => "IosPushSecret(<redacted>)",
        })
    }
}

/// `text` if TL can encode it (a `string` is at most 16 MiB - 1): checked before a command
/// queues a call carrying it, so an oversized token is refused, not sent truncated.
pub(crate) fn encodable(text: &str) -> Result<&str, UsageError> {
    crate::tl::codec::write::bytes_len(text.len())
        .map(|_| text)
        .map_err(UsageError::Unencodable)
}

/// Digits of a phone number typed in any usual format (`+`, spaces, dashes, dots and
/// parentheses are dropped).
///
/// # Errors
///
/// [`UsageError::InvalidPhone`] for other characters, or fewer than 5 or more than 15 digits.
pub fn normalize_phone(input: &str) -> Result<String, UsageError> {
    let mut digits = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
            '+' if digits.is_empty() => {}
            _ => {
                return Err(UsageError::InvalidPhone(
                    "only digits, spaces, dashes and a leading +",
                ));
            }
        }
    }
    match digits.len() {
        0 => Err(UsageError::InvalidPhone("empty")),
        1..=4 => Err(UsageError::InvalidPhone("too short")),
        5..=15 => Ok(digits),
        _ => Err(UsageError::InvalidPhone("longer than 15 digits")),
    }
}

/// The digits of a numeric code (spaces, dashes, `+`, parentheses and dots dropped), of
/// `length` digits unless `length` is 0 (the server did not say).
///
/// # Errors
///
/// An empty code, other characters, or the wrong number of digits.
pub fn normalize_digits(input: &str, length: u32) -> Result<String, CodeFormatError> {
    let digits = digits_only(input)?;
    if length != 0 && digits.len() != length as usize {
        return Err(CodeFormatError::WrongLength {
            expected: length,
            got: digits.len(),
        });
    }
    Ok(digits)
}

/// The digits of `input`, refusing anything but digits and separators.
pub(crate) fn digits_only(input: &str) -> Result<String, CodeFormatError> {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '-' | '\t' | '+' | '(' | ')' | '.' => {}
            _ => return Err(CodeFormatError::NotDigits),
        }
    }
    if out.is_empty() {
        return Err(CodeFormatError::Empty);
    }
    Ok(out)
}

/// A trimmed address that looks like one (the server has the last word), or `None`.
pub(crate) fn plausible_email(email: &str) -> Option<&str> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    valid.then_some(email)
}

/// The address partly masked, as the server shows such addresses (`a***@example.com`).
pub(crate) fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_codes_are_normalised_and_length_checked() {
        assert_eq!(normalize_digits("1 2 3-45", 5), Ok("12345".into()));
        assert_eq!(
            normalize_digits(" 12345\n", 5),
            Err(CodeFormatError::NotDigits)
        );
        assert_eq!(
            normalize_digits("1234", 5),
            Err(CodeFormatError::WrongLength {
                expected: 5,
                got: 4
            })
        );
        assert_eq!(normalize_digits(" - ", 5), Err(CodeFormatError::Empty));
        assert_eq!(normalize_digits("123", 0), Ok("123".into()));
    }

    #[test]
    fn phones_keep_their_digits() {
        assert_eq!(
            normalize_phone(" +999 66 (2) 12-34 "),
            Ok("9996621234".into())
        );
        assert!(normalize_phone("12a45").is_err());
        assert!(normalize_phone("1234").is_err());
        assert!(normalize_phone(&"1".repeat(16)).is_err());
    }

    #[test]
    fn emails_are_checked_and_masked() {
        assert_eq!(
            plausible_email(" ada@example.com "),
            Some("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "a da@x.com",
            "a@b@c.com",
            "a@.x",
        ] {
            assert_eq!(plausible_email(bad), None, "{bad}");
        }
        assert_eq!(mask_email("ada@example.com"), "a***@example.com");
        assert_eq!(
            format!("{:?}", EmailToken::google("secret")),
            "Google(<redacted>)"
        );
    }
}
