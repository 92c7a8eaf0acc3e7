//! Telegram's test-DC accounts (core.telegram.org/api/auth, "Test Accounts"): a number
//! `99966XYYYY` lives on DC X and always gets the code "X repeated".

use crate::{DcId, entropy::Entropy, login::SentCode};

/// A test-DC phone number and how to answer its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestAccount {
    /// The data center the number belongs to (1..=3).
    pub dc: DcId,
    /// The number, digits only: `99966` + DC digit + four random digits.
    pub phone: String,
}

/// The longest code [`TestAccount::code_for`] answers: Telegram's login codes have 5 or 6
/// digits; anything past this is the server's mistake.
pub const MAX_CODE_LENGTH: usize = 32;

/// Test DCs are 1, 2 and 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("test DCs are 1..=3, not {0}")]
pub struct NotATestDc(pub i32);

impl TestAccount {
    /// A random test number on `dc` (1..=3), drawn from `entropy`.
    pub fn random(dc: DcId, entropy: &mut Entropy) -> Result<Self, NotATestDc> {
        if !(1..=3).contains(&dc.0) {
            return Err(NotATestDc(dc.0));
        }
        let mut b = [0u8; 2];
        entropy.fill(&mut b);
        let n = u16::from_le_bytes(b) % 10_000;
        Ok(TestAccount {
            dc,
            phone: format!("99966{}{n:04}", dc.0),
        })
    }

    /// The test DC a number belongs to, if it is a test number (`99966XYYYY`, X in 1..=3).
    pub fn dc_of(phone: &str) -> Option<DcId> {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let rest = digits.strip_prefix("99966")?;
        if rest.len() != 5 {
            return None;
        }
        let x = i32::from(rest.as_bytes()[0] - b'0');
        (1..=3).contains(&x).then_some(DcId(x))
    }

    /// The code for a sent code: the DC digit repeated as many times as the code is long
    /// (the length comes from the sent code, it is not assumed). `None` for code kinds
    /// without a length (flash call, word/phrase codes, email setup), and for a length no
    /// login code has (more than [`MAX_CODE_LENGTH`]): the server chose it, and a string
    /// of 2^31 digits is not allocated on its say-so.
    pub fn code_for(&self, sent: &SentCode) -> Option<String> {
        let length = usize::try_from(sent.kind.length()?).ok()?;
        if length > MAX_CODE_LENGTH {
            return None;
        }
        let digit = char::from(b'0' + u8::try_from(self.dc.0).ok()?);
        Some(std::iter::repeat_n(digit, length).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::{CodeKind, SentCode};

    #[test]
    fn a_server_chosen_length_is_capped_before_allocating() {
        let acc = TestAccount {
            dc: DcId(2),
            phone: "9996621234".into(),
        };
        let sent = |length| SentCode {
            kind: CodeKind::Sms { length },
            next: None,
            timeout: None,
        };
        assert_eq!(acc.code_for(&sent(32)).map(|c| c.len()), Some(32));
        assert_eq!(acc.code_for(&sent(33)), None);
        assert_eq!(acc.code_for(&sent(1000)), None);
        // 2^31 digits would be a 2 GiB string.
        assert_eq!(acc.code_for(&sent(1 << 31)), None);
        assert_eq!(acc.code_for(&sent(u32::MAX)), None);
    }

    #[test]
    fn numbers_and_codes_follow_the_test_dc_rule() {
        let mut e = Entropy::deterministic([1; 32]);
        for dc in 1..=3 {
            let acc = TestAccount::random(DcId(dc), &mut e).unwrap();
            assert_eq!(acc.phone.len(), 10);
            assert!(acc.phone.starts_with(&format!("99966{dc}")));
            assert_eq!(TestAccount::dc_of(&acc.phone), Some(DcId(dc)));
            let sent = SentCode {
                kind: CodeKind::Sms { length: 6 },
                next: None,
                timeout: None,
            };
            assert_eq!(acc.code_for(&sent), Some(dc.to_string().repeat(6)));
            let flash = SentCode {
                kind: CodeKind::FlashCall {
                    pattern: "*".into(),
                },
                next: None,
                timeout: None,
            };
            assert_eq!(acc.code_for(&flash), None);
        }
        assert_eq!(TestAccount::random(DcId(4), &mut e), Err(NotATestDc(4)));
        for dc in [0, 4, 5, 9] {
            assert_eq!(TestAccount::dc_of(&format!("99966{dc}1234")), None, "{dc}");
        }
        assert_eq!(TestAccount::dc_of("+999 66 2 1234"), Some(DcId(2)));
        assert_eq!(TestAccount::dc_of("9996641234"), None);
        assert_eq!(TestAccount::dc_of("999662123"), None);
    }
}
