//! How a login code was sent, and checking what the user typed before a server attempt is
//! spent on it.

use std::time::Duration;

use crate::error::CodeFormatError;
use crate::input::{digits_only, normalize_digits};
use crate::tl::{self, enums::auth::CodeType, enums::auth::SentCodeType};

/// How the login code was delivered, with what a UI needs to ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum CodeKind {
    /// A message in the user's other Telegram sessions.
    App {
        /// Digits in the code.
        length: u32,
    },
    /// An SMS.
    Sms {
        /// Digits in the code.
        length: u32,
    },
    /// A voice call that reads the code out.
    Call {
        /// Digits in the code.
        length: u32,
    },
    /// A flash call: the code is the calling number, which matches `pattern`.
    FlashCall {
        /// The calling number's pattern: `*` stands for any run of digits (`"*"` alone for any
        /// number), the digits between stars appear in the number in order.
        pattern: String,
    },
    /// A missed call: the code is the last `length` digits of the calling number.
    MissedCall {
        /// The calling number's known beginning.
        prefix: String,
        /// Digits to enter.
        length: u32,
    },
    /// A code sent to the login email.
    Email {
        /// The email, partly masked.
        email_pattern: String,
        /// Digits in the code.
        length: u32,
        /// Sign in with Apple may be used instead.
        apple_signin_allowed: bool,
        /// Sign in with Google may be used instead.
        google_signin_allowed: bool,
        /// How long a login-email reset takes, if one may be requested.
        reset_available_period: Option<Duration>,
        /// When a requested reset completes (unix time), if one is pending.
        reset_pending_date: Option<i64>,
    },
    /// The account must set up a login email before a code can be sent.
    SetUpEmailRequired {
        /// Sign in with Apple may be used to verify the email.
        apple_signin_allowed: bool,
        /// Sign in with Google may be used to verify the email.
        google_signin_allowed: bool,
    },
    /// A code shown on fragment.com (anonymous numbers).
    FragmentSms {
        /// Where to read it.
        url: String,
        /// Digits in the code.
        length: u32,
    },
    /// Firebase SMS (official apps only): sent once the app proves the device's integrity
    /// (`Login::submit_integrity_proof`), then a numeric SMS code.
    FirebaseSms {
        /// Digits in the code.
        length: u32,
        /// The nonce for Android's SafetyNet Attestation API.
        nonce: Option<Vec<u8>>,
        /// What Android's Play Integrity API is asked for.
        play_integrity: Option<PlayIntegrity>,
        /// The Apple push an iOS app waits for.
        ios_push: Option<IosPush>,
    },
    /// An SMS with one secret word.
    SmsWord {
        /// The word's first letter, if given.
        beginning: Option<String>,
    },
    /// An SMS with a secret phrase of several words.
    SmsPhrase {
        /// The phrase's first word, if given.
        beginning: Option<String>,
    },
}

/// The Play Integrity request a Firebase SMS asks an Android app to make.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PlayIntegrity {
    /// The Google Cloud project number to request the token for.
    pub project_id: i64,
    /// The nonce the token must carry.
    pub nonce: Vec<u8>,
}

/// The Apple push a Firebase SMS asks an iOS app to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IosPush {
    /// The push that counts carries this receipt; its `ios_push_secret` is the proof.
    pub receipt: String,
    /// How long to wait for it; after that, report the failure (the next delivery method is
    /// used).
    pub push_timeout: Duration,
}

/// How the code will be sent if the user asks to resend it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum NextCodeKind {
    /// By SMS.
    Sms,
    /// By a voice call.
    Call,
    /// By a flash call.
    FlashCall,
    /// By a missed call.
    MissedCall,
    /// On fragment.com.
    FragmentSms,
}

/// A code that was sent: how, how it can be resent, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCode {
    /// How this code was delivered.
    pub kind: CodeKind,
    /// How a resent code would be delivered; `None` means it cannot be resent.
    pub next: Option<NextCodeKind>,
    /// How long to wait before resending.
    pub timeout: Option<Duration>,
}

impl SentCode {
    pub(crate) fn from_tl(sent: &tl::types::auth::SentCode) -> Self {
        SentCode {
            kind: CodeKind::from_tl(&sent.r#type),
            next: sent.next_type.as_ref().map(NextCodeKind::from_tl),
            timeout: sent
                .timeout
                .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0))),
        }
    }
}

fn length(l: i32) -> u32 {
    u32::try_from(l).unwrap_or(0)
}

impl CodeKind {
    pub(crate) fn from_tl(t: &SentCodeType) -> Self {
        match t {
            SentCodeType::App(x) => CodeKind::App {
                length: length(x.length),
            },
            SentCodeType::Sms(x) => CodeKind::Sms {
                length: length(x.length),
            },
            SentCodeType::Call(x) => CodeKind::Call {
                length: length(x.length),
            },
            SentCodeType::FlashCall(x) => CodeKind::FlashCall {
                pattern: x.pattern.clone(),
            },
            SentCodeType::MissedCall(x) => CodeKind::MissedCall {
                prefix: x.prefix.clone(),
                length: length(x.length),
            },
            SentCodeType::EmailCode(x) => CodeKind::Email {
                email_pattern: x.email_pattern.clone(),
                length: length(x.length),
                apple_signin_allowed: x.apple_signin_allowed,
                google_signin_allowed: x.google_signin_allowed,
                reset_available_period: x
                    .reset_available_period
                    .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0))),
                reset_pending_date: x.reset_pending_date.map(i64::from),
            },
            SentCodeType::SetUpEmailRequired(x) => CodeKind::SetUpEmailRequired {
                apple_signin_allowed: x.apple_signin_allowed,
                google_signin_allowed: x.google_signin_allowed,
            },
            SentCodeType::FragmentSms(x) => CodeKind::FragmentSms {
                url: x.url.clone(),
                length: length(x.length),
            },
            SentCodeType::FirebaseSms(x) => CodeKind::FirebaseSms {
                length: length(x.length),
                nonce: x.nonce.clone(),
                play_integrity: x.play_integrity.as_ref().map(|p| PlayIntegrity {
                    project_id: p.play_integrity_project_id,
                    nonce: p.play_integrity_nonce.clone(),
                }),
                ios_push: x.ios_push.as_ref().map(|p| IosPush {
                    receipt: p.receipt.clone(),
                    push_timeout: Duration::from_secs(u64::try_from(p.push_timeout).unwrap_or(0)),
                }),
            },
            SentCodeType::SmsWord(x) => CodeKind::SmsWord {
                beginning: x.beginning.clone(),
            },
            SentCodeType::SmsPhrase(x) => CodeKind::SmsPhrase {
                beginning: x.beginning.clone(),
            },
        }
    }

    /// How many characters the code has, for kinds that say.
    pub fn length(&self) -> Option<u32> {
        match self {
            CodeKind::App { length }
            | CodeKind::Sms { length }
            | CodeKind::Call { length }
            | CodeKind::MissedCall { length, .. }
            | CodeKind::Email { length, .. }
            | CodeKind::FragmentSms { length, .. }
            | CodeKind::FirebaseSms { length, .. } => Some(*length),
            _ => None,
        }
    }

    /// Whether signing in sends the code as `email_verification` rather than `phone_code`.
    pub fn is_email(&self) -> bool {
        matches!(self, CodeKind::Email { .. })
    }

    /// Checks and normalises what the user typed into what the server expects.
    ///
    /// Numeric codes drop spaces and dashes ("1 2 3-45" → "12345") and must have the announced
    /// length; word and phrase codes are trimmed with inner spaces collapsed; a flash-call
    /// answer is the full calling number and must match the pattern; a missed-call answer is
    /// the last digits of the calling number (the whole number is accepted too).
    pub fn normalize(&self, input: &str) -> Result<String, CodeFormatError> {
        match self {
            CodeKind::App { length }
            | CodeKind::Sms { length }
            | CodeKind::Call { length }
            | CodeKind::Email { length, .. }
            | CodeKind::FragmentSms { length, .. }
            | CodeKind::FirebaseSms { length, .. } => Ok(normalize_digits(input, *length)?),
            CodeKind::MissedCall { prefix, length } => {
                let digits = digits_only(input)?;
                let want = *length as usize;
                if want == 0 || digits.len() == want {
                    return Ok(digits);
                }
                let prefix: String = prefix.chars().filter(char::is_ascii_digit).collect();
                if digits.len() == prefix.len() + want && digits.starts_with(&prefix) {
                    return Ok(digits[prefix.len()..].to_owned());
                }
                Err(CodeFormatError::WrongLength {
                    expected: *length,
                    got: digits.len(),
                })
            }
            CodeKind::FlashCall { pattern } => {
                let digits = digits_only(input)?;
                if flash_call_matches(pattern, &digits) {
                    Ok(digits)
                } else {
                    Err(CodeFormatError::PatternMismatch)
                }
            }
            CodeKind::SmsWord { beginning } | CodeKind::SmsPhrase { beginning } => {
                let text = input.split_whitespace().collect::<Vec<_>>().join(" ");
                if text.is_empty() {
                    return Err(CodeFormatError::Empty);
                }
                if let Some(b) = beginning
                    .as_deref()
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    && !text.to_lowercase().starts_with(&b.to_lowercase())
                {
                    return Err(CodeFormatError::WrongBeginning {
                        expected: b.to_owned(),
                    });
                }
                Ok(text)
            }
            CodeKind::SetUpEmailRequired { .. } => Err(CodeFormatError::EmailSetupFirst),
        }
    }
}

impl NextCodeKind {
    fn from_tl(t: &CodeType) -> Self {
        match t {
            CodeType::Sms(_) => NextCodeKind::Sms,
            CodeType::Call(_) => NextCodeKind::Call,
            CodeType::FlashCall(_) => NextCodeKind::FlashCall,
            CodeType::MissedCall(_) => NextCodeKind::MissedCall,
            CodeType::FragmentSms(_) => NextCodeKind::FragmentSms,
        }
    }
}

/// Whether the calling number `digits` fits a flash call's `pattern`, as Telegram's Android app
/// reads it: `*` (or `X`, `#`) stands for any run of digits, the digits between the stars must
/// appear in the number in that order, other characters are formatting, and an empty or `"*"`
/// pattern matches any number.
fn flash_call_matches(pattern: &str, digits: &str) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut rest = digits;
    for part in pattern.split(['*', 'X', 'x', '#']) {
        let literal: String = part.chars().filter(char::is_ascii_digit).collect();
        if literal.is_empty() {
            continue;
        }
        match rest.find(&literal) {
            Some(at) => rest = &rest[at + literal.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_codes_are_normalised_and_length_checked() {
        let sms = CodeKind::Sms { length: 5 };
        assert_eq!(sms.normalize("1 2 3-45"), Ok("12345".into()));
        assert_eq!(sms.normalize(" 12345\n"), Err(CodeFormatError::NotDigits));
        assert_eq!(sms.normalize("12345 "), Ok("12345".into()));
        assert_eq!(
            sms.normalize("1234"),
            Err(CodeFormatError::WrongLength {
                expected: 5,
                got: 4
            })
        );
        assert_eq!(sms.normalize("12a45"), Err(CodeFormatError::NotDigits));
        assert_eq!(sms.normalize(" - "), Err(CodeFormatError::Empty));
        assert_eq!(
            CodeKind::App { length: 0 }.normalize("123"),
            Ok("123".into())
        );
    }

    #[test]
    fn flash_call_answer_must_match_pattern() {
        let k = CodeKind::FlashCall {
            pattern: "+7 999 ***-**-**".into(),
        };
        assert_eq!(k.normalize("+7 999 123-45-67"), Ok("79991234567".into()));
        assert_eq!(
            k.normalize("+7 998 123-45-67"),
            Err(CodeFormatError::PatternMismatch)
        );
        // A star is any run of digits, not exactly one digit.
        assert_eq!(k.normalize("+7 999 123-45-6"), Ok("7999123456".into()));
    }

    #[test]
    fn a_star_is_any_run_of_digits_like_the_android_app() {
        let number = "+44 20 7946 0958";
        // Bare `*` and an empty pattern match any number; a single `*` after a prefix needs
        // only the prefix.
        for pattern in ["*", "", "+44 20*", "+44*0958", "*7946*", "**"] {
            let k = CodeKind::FlashCall {
                pattern: pattern.into(),
            };
            assert_eq!(
                k.normalize(number),
                Ok("442079460958".into()),
                "{pattern:?}"
            );
        }
        // The literal parts must appear, in order.
        for pattern in ["+45*", "*0958*7946*", "+44 21*", "*99999*"] {
            let k = CodeKind::FlashCall {
                pattern: pattern.into(),
            };
            assert_eq!(
                k.normalize(number),
                Err(CodeFormatError::PatternMismatch),
                "{pattern:?}"
            );
        }
        let any = CodeKind::FlashCall {
            pattern: "*".into(),
        };
        assert_eq!(any.normalize(" - "), Err(CodeFormatError::Empty));
    }

    #[test]
    fn missed_call_takes_last_digits_or_whole_number() {
        let k = CodeKind::MissedCall {
            prefix: "+44 20".into(),
            length: 4,
        };
        assert_eq!(k.normalize("1234"), Ok("1234".into()));
        assert_eq!(k.normalize("+44 20 1234"), Ok("1234".into()));
        assert_eq!(
            k.normalize("+45 20 1234"),
            Err(CodeFormatError::WrongLength {
                expected: 4,
                got: 8
            })
        );
        assert_eq!(
            k.normalize("123"),
            Err(CodeFormatError::WrongLength {
                expected: 4,
                got: 3
            })
        );
    }

    #[test]
    fn word_and_phrase_codes_collapse_spaces_and_check_beginning() {
        let w = CodeKind::SmsWord {
            beginning: Some("s".into()),
        };
        assert_eq!(w.normalize("  Sunflower "), Ok("Sunflower".into()));
        assert_eq!(
            w.normalize("tulip"),
            Err(CodeFormatError::WrongBeginning {
                expected: "s".into()
            })
        );
        let p = CodeKind::SmsPhrase {
            beginning: Some("green".into()),
        };
        assert_eq!(
            p.normalize(" green   apple\tpie "),
            Ok("green apple pie".into())
        );
        assert_eq!(p.normalize("   "), Err(CodeFormatError::Empty));
        assert_eq!(
            CodeKind::SmsPhrase { beginning: None }.normalize("a b"),
            Ok("a b".into())
        );
    }

    #[test]
    fn email_setup_takes_no_code() {
        let k = CodeKind::SetUpEmailRequired {
            apple_signin_allowed: false,
            google_signin_allowed: true,
        };
        assert_eq!(k.normalize("12345"), Err(CodeFormatError::EmailSetupFirst));
        assert_eq!(k.length(), None);
    }
}
