//! Phone numbers and email addresses as the simulator reads them.

use auth_core::DcId;

/// The DCs that exist in the simulation.
pub const DC_RANGE: std::ops::RangeInclusive<i32> = 1..=5;

/// Whether `dc` is one of the simulated DCs (1 to 5).
pub fn dc_exists(dc: DcId) -> bool {
    DC_RANGE.contains(&dc.0)
}

/// The longest phone number accepted (E.164 allows 15 digits).
pub const MAX_PHONE_DIGITS: usize = 15;

/// Normalises a phone number as typed by a user: `+`, spaces, dashes and parentheses are
/// dropped; what remains must be 1 to 15 ASCII digits.
///
/// ```
/// assert_eq!(auth_sim::normalize_phone("+999 66-2 (1234)"), Some("9996621234".into()));
/// assert_eq!(auth_sim::normalize_phone("+"), None);
/// assert_eq!(auth_sim::normalize_phone("12a4"), None);
/// ```
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
        .collect();
    let ok = !digits.is_empty()
        && digits.len() <= MAX_PHONE_DIGITS
        && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(digits)
}

/// The DCs test numbers live on: Telegram has three test DCs (api/auth, "Test Accounts").
pub const TEST_DC_RANGE: std::ops::RangeInclusive<i32> = 1..=3;

/// The DC of a test number `99966XYYYY` (X in 1..=3), or `None` for other numbers.
///
/// ```
/// use auth_core::DcId;
/// assert_eq!(auth_sim::test_number_dc("9996621234"), Some(DcId(2)));
/// assert_eq!(auth_sim::test_number_dc("9996641234"), None);
/// assert_eq!(auth_sim::test_number_dc("99966212345"), None);
/// ```
pub fn test_number_dc(digits: &str) -> Option<DcId> {
    let rest = digits.strip_prefix("99966")?;
    let bytes = rest.as_bytes();
    if bytes.len() != 5 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let dc = i32::from(*bytes.first()? - b'0');
    TEST_DC_RANGE.contains(&dc).then_some(DcId(dc))
}

/// Whether `email` looks like an address: one `@`, a non-empty local part of at most 64
/// bytes, a domain with an inner dot, no whitespace or control characters, at most 254 bytes.
pub fn email_is_valid(email: &str) -> bool {
    if email.is_empty() || email.len() > 254 {
        return false;
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// The pattern under which Telegram shows an email: the first character of the local part,
/// stars, and the domain (`a***@example.com`).
pub fn email_pattern(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize_phone(" +1 (555) 010-0"), Some("15550100".into()));
        assert_eq!(normalize_phone(""), None);
        assert_eq!(normalize_phone("1234567890123456"), None);
        assert_eq!(
            normalize_phone("123456789012345"),
            Some("123456789012345".into())
        );
        assert_eq!(normalize_phone("١٢٣"), None, "non-ASCII digits");
    }

    #[test]
    fn test_numbers() {
        for dc in 1..=3 {
            assert_eq!(test_number_dc(&format!("99966{dc}0000")), Some(DcId(dc)));
        }
        // Only three test DCs: X is 1..=3.
        for dc in [0, 4, 5, 9] {
            assert_eq!(test_number_dc(&format!("99966{dc}0000")), None, "{dc}");
        }
        assert_eq!(test_number_dc("999661"), None);
        assert_eq!(test_number_dc("1999661234"), None);
    }

    #[test]
    fn emails() {
        assert!(email_is_valid("a@b.co"));
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a b@c.de", "a@.bc", "a@bc.", "a@b@c.de",
        ] {
            assert!(!email_is_valid(bad), "{bad}");
        }
        assert_eq!(email_pattern("alice@example.com"), "a***@example.com");
    }
}
