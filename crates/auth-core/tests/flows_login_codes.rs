//! Finding login codes in the service user's messages: examples and properties (a code
//! embedded in any text is found, digit runs of other lengths are not, other senders yield
//! nothing).

use auth_core::login_codes::{MAX_DIGITS, MIN_DIGITS, SERVICE_USER_ID, find_login_codes};
use proptest::prelude::*;

fn found(sender: i64, text: &str) -> Vec<String> {
    find_login_codes(sender, text)
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

#[test]
fn telegram_like_messages() {
    let message = "Login code: 52818. Do not give this code to anyone, even if they say they are \
                   from Telegram!\n\nThis code can be used to log in to your Telegram account. \
                   We never ask it for anything else.\n\nIf you didn't request this code by \
                   trying to log in on another device, simply ignore this message.";
    assert_eq!(found(SERVICE_USER_ID, message), ["52818"]);
    assert!(found(SERVICE_USER_ID + 1, message).is_empty());
    assert!(found(0, message).is_empty());
    assert_eq!(
        found(SERVICE_USER_ID, "Код для входа в Telegram: 1-2-3-4-5-6"),
        ["123456"]
    );
    assert_eq!(
        found(
            SERVICE_USER_ID,
            "New login. Dear Ada, we detected a login on 2026-01-15 at 12:34"
        ),
        Vec::<String>::new()
    );
}

/// Text that cannot extend a code: no ASCII digits, no `-` (the separators around a code).
fn filler() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(' '),
            Just('.'),
            Just(':'),
            Just('\n'),
            proptest::char::range('a', 'z'),
            proptest::char::range('A', 'Z'),
            proptest::char::range('а', 'я'),
            Just('😀'),
            Just('٣'), // an Arabic-Indic digit: not a decimal digit here
        ],
        0..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Digits with `-` interleaved or trailing (never leading), and the digits alone.
fn dashed(digits: String, dashes: Vec<u8>) -> (String, String) {
    let mut text = String::new();
    for (i, d) in digits.chars().enumerate() {
        text.push(d);
        let n = dashes.get(i).copied().unwrap_or(0) % 3;
        text.extend(std::iter::repeat_n('-', usize::from(n)));
    }
    (text, digits)
}

fn code_digits(lengths: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    lengths
        .prop_flat_map(|n| proptest::collection::vec(proptest::char::range('0', '9'), n))
        .prop_map(|d| d.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_code_in_any_text_is_found(
        before in filler(),
        after in filler(),
        digits in code_digits(MIN_DIGITS..=MAX_DIGITS),
        dashes in proptest::collection::vec(any::<u8>(), MAX_DIGITS),
    ) {
        let (code, digits) = dashed(digits, dashes);
        let text = format!("{before}{code}{after}");
        prop_assert_eq!(found(SERVICE_USER_ID, &text), vec![digits]);
        prop_assert!(found(SERVICE_USER_ID - 1, &text).is_empty());
    }

    #[test]
    fn digit_runs_of_other_lengths_are_not_codes(
        before in filler(),
        after in filler(),
        digits in prop_oneof![code_digits(1..=MIN_DIGITS - 1), code_digits(MAX_DIGITS + 1..=30)],
        dashes in proptest::collection::vec(any::<u8>(), 30),
    ) {
        let (run, _) = dashed(digits, dashes);
        let text = format!("{before}{run}{after}");
        prop_assert!(found(SERVICE_USER_ID, &text).is_empty(), "{:?}", text);
    }

    #[test]
    fn several_codes_are_found_in_order_once_each(
        codes in proptest::collection::vec(code_digits(MIN_DIGITS..=MAX_DIGITS), 1..5),
        sep in filler().prop_filter("a separator", |s| !s.is_empty()),
    ) {
        let text = codes.join(&sep);
        let mut expected: Vec<String> = Vec::new();
        for c in &codes {
            if !expected.contains(c) {
                expected.push(c.clone());
            }
        }
        prop_assert_eq!(found(SERVICE_USER_ID, &text), expected);
    }

    #[test]
    fn any_text_never_panics_and_yields_only_digit_codes(text in ".{0,200}") {
        for code in find_login_codes(SERVICE_USER_ID, &text) {
            let c = code.as_str();
            prop_assert!((MIN_DIGITS..=MAX_DIGITS).contains(&c.len()));
            prop_assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
