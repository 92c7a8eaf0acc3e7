//! Countries and phone input (core.telegram.org/api/config, "Country information and login
//! phone patterns"): which country a typed number belongs to, and how to show it.
//!
//! `help.getCountriesList(lang_code, hash)` answers `help.countriesList` — for each country its
//! ISO code, English `default_name`, localized `name`, and calling codes, each with the
//! `prefixes` that pick it among countries sharing the code (+1 204… is Canada, +1 otherwise
//! the USA) and `patterns` such as `XXX XXX XXXX` for the digits after the calling code.
//! Sending back the `hash` of the list one has gets `help.countriesListNotModified` when
//! nothing changed.
//!
//! [`Countries`] holds a list and formats numbers with it ([`Countries::format`]). It is pure
//! data: fetch the list with a [`Call`](crate::machine::Call) of [`Countries::request`] (the
//! method is allowed before login) and pass the answer to [`Countries::handle_reply`].
//!
//! ```
//! use auth_core::countries::{Countries, NumberLength};
//! use auth_core::tl::{enums, types};
//!
//! let code = |cc: &str, prefixes: &[&str], pattern: &str| {
//!     enums::help::CountryCode::from(types::help::CountryCode {
//!         country_code: cc.into(),
//!         prefixes: Some(prefixes.iter().map(|p| p.to_string()).collect()),
//!         patterns: Some(vec![pattern.into()]),
//!     })
//! };
//! let country = |iso2: &str, name: &str, codes| {
//!     enums::help::Country::from(types::help::Country {
//!         iso2: iso2.into(),
//!         default_name: name.into(),
//!         country_codes: codes,
//!         ..Default::default()
//!     })
//! };
//! let list = enums::help::CountriesList::from(types::help::CountriesList {
//!     countries: vec![
//!         country("US", "USA", vec![code("1", &[], "XXX XXX XXXX")]),
//!         country("CA", "Canada", vec![code("1", &["204", "416"], "XXX XXX XXXX")]),
//!     ],
//!     hash: 7,
//! });
//! let countries = Countries::from_tl(&list);
//!
//! let typed = countries.format("1416555012");
//! assert_eq!(typed.formatted, "+1 416 555 012");
//! let country = typed.country.as_ref().unwrap();
//! assert_eq!((country.iso2.as_str(), country.name.as_str()), ("CA", "Canada"));
//! assert_eq!(country.length, NumberLength::Short { missing: 1 });
//!
//! let typed = countries.format("+1 (202) 555-0123");
//! assert_eq!(typed.formatted, "+1 202 555 0123");
//! assert!(typed.is_complete());
//! assert_eq!(countries.request("en").hash, 7); // the next fetch may answer "not modified"
//! ```

use crate::tl::{enums, functions, types};

/// A country as the list describes it (control characters removed from the texts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, e.g. `GB`.
    pub iso2: String,
    /// The name to show: the localized `name`, or `default_name` without one.
    pub name: String,
    /// The English name.
    pub default_name: String,
    /// The server asks not to list this country; it is not used for formatting.
    pub hidden: bool,
    /// Its calling codes.
    pub calling_codes: Vec<CallingCode>,
}

/// One calling code of a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingCode {
    /// The calling code, e.g. `44`.
    pub code: String,
    /// Beginnings of the digits after the code that belong to this country (empty: all).
    pub prefixes: Vec<String>,
    /// Patterns of the digits after the code: `X` a digit, a digit itself, spaces between
    /// groups.
    pub patterns: Vec<String>,
}

/// How many digits a number has against the pattern that formats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberLength {
    /// No pattern fits (none given, or the fixed digits of each differ).
    Unknown,
    /// Digits are still missing.
    Short {
        /// How many.
        missing: usize,
    },
    /// As many digits as the pattern has places.
    Complete,
    /// More digits than the pattern has places.
    Long {
        /// How many more.
        extra: usize,
    },
}

/// The country a number belongs to, and how it fits its pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryMatch {
    /// ISO code of the country.
    pub iso2: String,
    /// Its name to show (localized where the list was).
    pub name: String,
    /// The calling code, e.g. `7`.
    pub calling_code: String,
    /// The prefix after the calling code that picked the country (`""` if none did).
    pub prefix: String,
    /// The pattern the digits after the calling code were formatted by, as given.
    pub pattern: Option<String>,
    /// How the digits after the calling code fit that pattern.
    pub length: NumberLength,
}

/// A typed number, formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedPhone {
    /// The ASCII digits typed, in order.
    pub digits: String,
    /// `+`, the calling code, the other digits grouped by the pattern (`+44 7911 123456`).
    /// It holds exactly [`digits`](Self::digits), in order; empty when no digit was typed.
    pub formatted: String,
    /// The country, when a (visible) country's calling code begins the digits.
    pub country: Option<CountryMatch>,
}

impl FormattedPhone {
    /// Whether the number has exactly as many digits as its country's pattern.
    pub fn is_complete(&self) -> bool {
        self.country
            .as_ref()
            .is_some_and(|c| c.length == NumberLength::Complete)
    }
}

/// One place of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `X`: any digit.
    Any,
    /// A digit the number must have here.
    Fixed(char),
    /// Printed between digits.
    Separator(char),
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    text: String,
    places: Vec<Place>,
    /// Places that take a digit.
    digits: usize,
    fixed: usize,
}

impl Pattern {
    fn parse(text: &str) -> Pattern {
        let mut places = Vec::new();
        for c in text.trim().chars() {
            let place = match c {
                'X' | 'x' => Place::Any,
                '0'..='9' => Place::Fixed(c),
                '-' | '(' | ')' | '.' | '/' => Place::Separator(c),
                c if c.is_whitespace() => Place::Separator(' '),
                _ => continue,
            };
            if place == Place::Separator(' ') && places.last() == Some(&Place::Separator(' ')) {
                continue;
            }
            places.push(place);
        }
        let digits = places
            .iter()
            .filter(|p| !matches!(p, Place::Separator(_)))
            .count();
        let fixed = places
            .iter()
            .filter(|p| matches!(p, Place::Fixed(_)))
            .count();
        Pattern {
            text: text.to_owned(),
            places,
            digits,
            fixed,
        }
    }

    /// Whether the fixed digits agree with `national` as far as it goes.
    fn admits(&self, national: &str) -> bool {
        self.places
            .iter()
            .filter(|p| !matches!(p, Place::Separator(_)))
            .zip(national.chars())
            .all(|(place, d)| match place {
                Place::Fixed(f) => *f == d,
                _ => true,
            })
    }

    /// `national` grouped by the pattern; digits past its end follow after a space.
    fn apply(&self, national: &str) -> String {
        let mut out = String::with_capacity(national.len() * 2);
        let mut digits = national.chars().peekable();
        let mut pending = String::new();
        for place in &self.places {
            if digits.peek().is_none() {
                break;
            }
            match place {
                Place::Separator(c) => pending.push(*c),
                Place::Any | Place::Fixed(_) => {
                    out.push_str(&pending);
                    pending.clear();
                    out.extend(digits.next());
                }
            }
        }
        let rest: String = digits.collect();
        if !rest.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&rest);
        }
        out
    }
}

/// A calling code (with one prefix) that picks a country.
#[derive(Debug, Clone)]
struct Key {
    /// Calling code then prefix, digits only.
    digits: String,
    code_len: usize,
    country: usize,
    code: usize,
}

/// A country list, ready to format numbers. See the [module documentation](self).
///
/// Methods: getters ([`hash`](Self::hash), [`countries`](Self::countries),
/// [`country`](Self::country), [`format`](Self::format), [`request`](Self::request)) and
/// [`handle_reply`](Self::handle_reply) for the server's answer.
#[derive(Debug, Clone, Default)]
pub struct Countries {
    countries: Vec<Country>,
    /// Parsed patterns, per country, per calling code.
    patterns: Vec<Vec<Vec<Pattern>>>,
    /// Longest first.
    keys: Vec<Key>,
    hash: i32,
}

/// Keeps printable characters only (a hostile server's escape sequences stay out of the UI).
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

impl Countries {
    /// An empty list (hash 0: the first request gets the whole list).
    pub fn new() -> Self {
        Self::default()
    }

    /// The list from a `help.CountriesList` (`countriesListNotModified` gives an empty one).
    ///
    /// Odd entries never fail: a calling code or prefix that is not all digits is skipped,
    /// as are empty calling codes; patterns keep their `X`s, digits and separators.
    pub fn from_tl(list: &enums::help::CountriesList) -> Self {
        match list {
            enums::help::CountriesList::CountriesList(list) => Self::from_list(list),
            enums::help::CountriesList::NotModified(_) => Self::new(),
        }
    }

    fn from_list(list: &types::help::CountriesList) -> Self {
        let mut countries = Vec::with_capacity(list.countries.len());
        let mut patterns = Vec::with_capacity(list.countries.len());
        let mut keys = Vec::new();
        for (ci, enums::help::Country::Country(c)) in list.countries.iter().enumerate() {
            let default_name = printable(&c.default_name);
            let name = c
                .name
                .as_deref()
                .map(printable)
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| default_name.clone());
            let mut codes = Vec::with_capacity(c.country_codes.len());
            let mut parsed = Vec::with_capacity(c.country_codes.len());
            for (ki, enums::help::CountryCode::CountryCode(code)) in
                c.country_codes.iter().enumerate()
            {
                let prefixes = code.prefixes.clone().unwrap_or_default();
                let pattern_texts: Vec<String> = code
                    .patterns
                    .iter()
                    .flatten()
                    .map(|p| printable(p))
                    .collect();
                parsed.push(
                    pattern_texts
                        .iter()
                        .map(|p| Pattern::parse(p))
                        .filter(|p| p.digits > 0)
                        .collect(),
                );
                let usable = !code.country_code.is_empty() && all_digits(&code.country_code);
                if usable && !c.hidden {
                    let mut add = |prefix: &str| {
                        keys.push(Key {
                            digits: format!("{}{prefix}", code.country_code),
                            code_len: code.country_code.len(),
                            country: ci,
                            code: ki,
                        });
                    };
                    if prefixes.is_empty() {
                        add("");
                    }
                    for prefix in prefixes.iter().filter(|p| all_digits(p)) {
                        add(prefix);
                    }
                }
                codes.push(CallingCode {
                    code: printable(&code.country_code),
                    prefixes: prefixes.iter().map(|p| printable(p)).collect(),
                    patterns: pattern_texts,
                });
            }
            countries.push(Country {
                iso2: printable(&c.iso2),
                name,
                default_name,
                hidden: c.hidden,
                calling_codes: codes,
            });
            patterns.push(parsed);
        }
        // Longest first; among equals, list order (the sort is stable).
        keys.sort_by_key(|k| std::cmp::Reverse(k.digits.len()));
        Countries {
            countries,
            patterns,
            keys,
            hash: list.hash,
        }
    }

    // ----- getters -----

    /// The list's hash, to send with the next request.
    pub fn hash(&self) -> i32 {
        self.hash
    }

    /// Every country, hidden ones included, in the server's order.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// The country with this ISO code.
    pub fn country(&self, iso2: &str) -> Option<&Country> {
        self.countries
            .iter()
            .find(|c| c.iso2.eq_ignore_ascii_case(iso2))
    }

    /// The call that fetches the list in `lang_code` (e.g. `en`), carrying this list's hash so
    /// an unchanged list is answered `help.countriesListNotModified`.
    pub fn request(&self, lang_code: &str) -> functions::help::GetCountriesList {
        functions::help::GetCountriesList {
            lang_code: lang_code.to_owned(),
            hash: self.hash,
        }
    }

    /// Formats a number typed in any format (`+`, spaces, dashes, parentheses: only the ASCII
    /// digits count, in international form, without `00`).
    ///
    /// The country is the one whose calling code followed by one of its prefixes is the
    /// longest beginning of the digits (hidden countries and malformed codes take no part).
    /// Among its patterns, the one used is the first that can hold the digits after the
    /// calling code and whose fixed digits agree with them, preferring patterns with more
    /// fixed digits; failing that, the first whose fixed digits agree. Digits past the
    /// pattern follow after a space; without a pattern they follow the calling code as typed.
    pub fn format(&self, input: &str) -> FormattedPhone {
        let digits: String = input.chars().filter(char::is_ascii_digit).collect();
        let Some(key) = self.keys.iter().find(|k| digits.starts_with(&k.digits)) else {
            let formatted = if digits.is_empty() {
                String::new()
            } else {
                format!("+{digits}")
            };
            return FormattedPhone {
                digits,
                formatted,
                country: None,
            };
        };
        let (calling_code, national) = digits.split_at(key.code_len);
        let patterns = self
            .patterns
            .get(key.country)
            .and_then(|c| c.get(key.code))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let pattern = choose(patterns, national);
        let grouped = match pattern {
            Some(p) => p.apply(national),
            None => national.to_owned(),
        };
        let mut formatted = format!("+{calling_code}");
        if !grouped.is_empty() {
            formatted.push(' ');
            formatted.push_str(&grouped);
        }
        let length = match pattern {
            None => NumberLength::Unknown,
            Some(p) if national.len() < p.digits => NumberLength::Short {
                missing: p.digits - national.len(),
            },
            Some(p) if national.len() == p.digits => NumberLength::Complete,
            Some(p) => NumberLength::Long {
                extra: national.len() - p.digits,
            },
        };
        let country = self.countries.get(key.country).map(|c| CountryMatch {
            iso2: c.iso2.clone(),
            name: c.name.clone(),
            calling_code: calling_code.to_owned(),
            prefix: key
                .digits
                .get(key.code_len..)
                .unwrap_or_default()
                .to_owned(),
            pattern: pattern.map(|p| p.text.clone()),
            length,
        });
        FormattedPhone {
            formatted,
            country,
            digits,
        }
    }

    // ----- handle_* -----

    /// The server's answer to [`request`](Self::request): a new list replaces this one;
    /// `help.countriesListNotModified` keeps it. Returns whether the list changed.
    pub fn handle_reply(&mut self, reply: &enums::help::CountriesList) -> bool {
        match reply {
            enums::help::CountriesList::CountriesList(list) => {
                *self = Self::from_list(list);
                true
            }
            enums::help::CountriesList::NotModified(_) => false,
        }
    }
}

/// The pattern for `national`: see [`Countries::format`].
fn choose<'p>(patterns: &'p [Pattern], national: &str) -> Option<&'p Pattern> {
    let admitted = || patterns.iter().filter(|p| p.admits(national));
    let mut best: Option<&Pattern> = None;
    for p in admitted().filter(|p| p.digits >= national.len()) {
        if best.is_none_or(|b| p.fixed > b.fixed) {
            best = Some(p);
        }
    }
    best.or_else(|| admitted().next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tl::{self, Serialize};
    use proptest::prelude::*;

    fn code(cc: &str, prefixes: &[&str], patterns: &[&str]) -> enums::help::CountryCode {
        types::help::CountryCode {
            country_code: cc.into(),
            prefixes: (!prefixes.is_empty())
                .then(|| prefixes.iter().map(|p| p.to_string()).collect()),
            patterns: Some(patterns.iter().map(|p| p.to_string()).collect()),
        }
        .into()
    }

    fn country(
        iso2: &str,
        name: &str,
        codes: Vec<enums::help::CountryCode>,
    ) -> enums::help::Country {
        types::help::Country {
            iso2: iso2.into(),
            default_name: name.into(),
            country_codes: codes,
            ..Default::default()
        }
        .into()
    }

    fn sample() -> Countries {
        let nanp = &["XXX XXX XXXX"][..];
        let mut countries = vec![
            country("US", "USA", vec![code("1", &[], nanp)]),
            country("CA", "Canada", vec![code("1", &["204", "416"], nanp)]),
            country("RU", "Russian Federation", vec![code("7", &[], nanp)]),
            country(
                "KZ",
                "Kazakhstan",
                vec![code("7", &["6", "7"], &["XXX XXX XX XX"])],
            ),
            country(
                "GB",
                "United Kingdom",
                vec![code("44", &[], &["XXXX XXXXXX"])],
            ),
            country("IT", "Italy", vec![code("39", &[], nanp)]),
            country(
                "VA",
                "Vatican City",
                vec![
                    code("39", &["06698"], &["X XXXX XXXX"]),
                    code("379", &[], &[]),
                ],
            ),
            country(
                "XT",
                "Test",
                vec![code("999", &[], &["66 X XXXX", "XXX XXXX"])],
            ),
        ];
        let special = [
            (
                true,
                "FT",
                "Anonymous Numbers",
                None,
                code("888", &[], &["XXXX XXXX"]),
            ),
            (
                false,
                "DE",
                "Germany",
                Some("Deutschland"),
                code("49", &[], &["XXXX XXXXXXX"]),
            ),
        ];
        for (hidden, iso2, default_name, name, code) in special {
            let c = types::help::Country {
                hidden,
                iso2: iso2.into(),
                default_name: default_name.into(),
                name: name.map(Into::into),
                country_codes: vec![code],
            };
            countries.push(c.into());
        }
        Countries::from_tl(
            &types::help::CountriesList {
                countries,
                hash: 1234,
            }
            .into(),
        )
    }

    fn fmt(input: &str) -> (String, Option<(String, String, NumberLength)>) {
        let f = sample().format(input);
        (
            f.formatted,
            f.country.map(|c| (c.iso2, c.calling_code, c.length)),
        )
    }

    #[test]
    fn longest_prefix_picks_the_country() {
        let c = |input| fmt(input).1.map(|(iso2, cc, _)| (iso2, cc));
        let expect = |iso2: &str, cc: &str| Some((iso2.to_owned(), cc.to_owned()));
        assert_eq!(c("+1 202 555 0123"), expect("US", "1"));
        assert_eq!(c("+1 416 555 0123"), expect("CA", "1"));
        assert_eq!(c("+7 912 345 6789"), expect("RU", "7"));
        assert_eq!(c("+7 701 234 5678"), expect("KZ", "7"));
        assert_eq!(c("+39 06698 1234"), expect("VA", "39"));
        assert_eq!(c("+39 06 1234 5678"), expect("IT", "39"));
        assert_eq!(c("+379 1234"), expect("VA", "379"));
        assert_eq!(c("+44 7911 123456"), expect("GB", "44"));
        // Hidden countries take no part; unknown codes have no country.
        assert_eq!(c("+888 1234 5678"), None);
        assert_eq!(c("+38 0"), None);
        assert_eq!(fmt("").0, "");
        assert_eq!(fmt("+").0, "");
    }

    #[test]
    fn patterns_group_digits_and_tell_completeness() {
        assert_eq!(
            fmt("+447911123456"),
            (
                "+44 7911 123456".into(),
                Some(("GB".into(), "44".into(), NumberLength::Complete))
            )
        );
        assert_eq!(
            fmt("7701234"),
            (
                "+7 701 234".into(),
                Some(("KZ".into(), "7".into(), NumberLength::Short { missing: 4 }))
            )
        );
        assert_eq!(
            fmt("1 202 555 0123 99"),
            (
                "+1 202 555 0123 99".into(),
                Some(("US".into(), "1".into(), NumberLength::Long { extra: 2 }))
            )
        );
        // A calling code without patterns: digits as typed, length unknown.
        assert_eq!(
            fmt("3791234"),
            (
                "+379 1234".into(),
                Some(("VA".into(), "379".into(), NumberLength::Unknown))
            )
        );
        assert_eq!(fmt("+44").0, "+44");
    }

    #[test]
    fn fixed_digits_choose_among_patterns() {
        let f = sample().format("9996621234");
        assert_eq!(f.formatted, "+999 66 2 1234");
        assert!(f.is_complete());
        let m = f.country.unwrap();
        assert_eq!(m.pattern.as_deref(), Some("66 X XXXX"));
        assert_eq!((m.iso2.as_str(), m.name.as_str()), ("XT", "Test"));
        let f = sample().format("999 12 3");
        assert_eq!(f.formatted, "+999 123");
        let m = f.country.unwrap();
        assert_eq!(m.pattern.as_deref(), Some("XXX XXXX"));
        assert_eq!(m.length, NumberLength::Short { missing: 4 });
        // Neither pattern holds eight digits starting with 7: the first admitted one is used.
        let f = sample().format("99977777777");
        assert_eq!(f.formatted, "+999 777 7777 7");
    }

    #[test]
    fn names_are_localized_and_hash_drives_caching() {
        let mut countries = sample();
        assert_eq!(
            countries.format("49 1512 3456789").country.unwrap().name,
            "Deutschland"
        );
        assert_eq!(countries.country("de").unwrap().default_name, "Germany");
        assert!(countries.country("FT").unwrap().hidden);
        let request = countries.request("de");
        assert_eq!((request.lang_code.as_str(), request.hash), ("de", 1234));
        let not_modified =
            enums::help::CountriesList::from(types::help::CountriesListNotModified {});
        assert!(!countries.handle_reply(&not_modified));
        assert_eq!(countries.hash(), 1234);
        assert_eq!(countries.countries().len(), 10);
        let empty = enums::help::CountriesList::from(types::help::CountriesList {
            countries: vec![],
            hash: 5,
        });
        assert!(countries.handle_reply(&empty));
        assert_eq!((countries.hash(), countries.countries().len()), (5, 0));
        assert_eq!(Countries::from_tl(&not_modified).hash(), 0);
        assert_eq!(Countries::new().format("12345").formatted, "+12345");
        // Through the TL bytes.
        let bytes = enums::help::CountriesList::from(types::help::CountriesList {
            countries: vec![country("GB", "UK", vec![code("44", &[], &["XXXX XXXXXX"])])],
            hash: 9,
        })
        .to_bytes();
        let countries = Countries::from_tl(&tl::decode(&bytes).unwrap());
        assert_eq!(
            countries.format("447911123456").formatted,
            "+44 7911 123456"
        );
        assert_eq!(countries.hash(), 9);
    }

    #[test]
    fn odd_data_is_skipped_not_fatal() {
        let list = types::help::CountriesList {
            countries: vec![
                country("AA", "Empty code", vec![code("", &[], &["XXX"])]),
                country("BB", "Letters", vec![code("4a", &["x1", "12"], &["XXX"])]),
                country(
                    "CC",
                    "Odd prefix",
                    vec![code("5", &["1a", "2"], &["", "\u{1b}[31m", "X\tX"])],
                ),
                country("DD\u{7}", "Bell\u{7}", vec![]),
            ],
            hash: 0,
        };
        let countries = Countries::from_tl(&list.into());
        assert_eq!(countries.format("123").country, None);
        assert_eq!(countries.format("4123").country, None);
        // "1a" is skipped, "2" works; an empty pattern is ignored, control characters are
        // dropped ("X\tX" is "XX") and other characters keep only their digit places
        // ("\x1b[31m" holds two fixed digits).
        assert_eq!(countries.format("5199").country, None);
        let f = countries.format("529");
        assert_eq!(f.formatted, "+5 29");
        let m = f.country.unwrap();
        assert_eq!(
            (m.pattern.as_deref(), m.length),
            (Some("XX"), NumberLength::Complete)
        );
        let f = countries.format("52999");
        assert_eq!(f.formatted, "+5 29 99");
        assert_eq!(f.country.unwrap().length, NumberLength::Long { extra: 2 });
        assert_eq!(
            countries.countries()[2].calling_codes[0].patterns[1],
            "[31m"
        );
        let bell = &countries.countries()[3];
        assert_eq!((bell.iso2.as_str(), bell.name.as_str()), ("DD", "Bell"));
    }

    fn arb_code() -> impl Strategy<Value = enums::help::CountryCode> {
        (
            "[0-9]{0,4}|[0-9a]{1,3}",
            proptest::option::of(proptest::collection::vec("[0-9]{0,3}|[0-9x]{1,2}", 0..4)),
            proptest::option::of(proptest::collection::vec("[Xx0-9 \\-()a]{0,14}", 0..4)),
        )
            .prop_map(|(cc, prefixes, patterns)| {
                types::help::CountryCode {
                    country_code: cc,
                    prefixes,
                    patterns,
                }
                .into()
            })
    }

    fn arb_list() -> impl Strategy<Value = enums::help::CountriesList> {
        proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(arb_code(), 0..3)),
            0..6,
        )
        .prop_map(|countries| {
            types::help::CountriesList {
                countries: countries
                    .into_iter()
                    .enumerate()
                    .map(|(i, (hidden, country_codes))| {
                        types::help::Country {
                            hidden,
                            iso2: format!("C{i}"),
                            default_name: format!("Country {i}"),
                            name: None,
                            country_codes,
                        }
                        .into()
                    })
                    .collect(),
                hash: 0,
            }
            .into()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn formatting_keeps_every_digit_in_order(list in arb_list(), input in "[0-9 +()\\-a.]{0,20}") {
            let countries = Countries::from_tl(&list);
            let f = countries.format(&input);
            let typed: String = input.chars().filter(char::is_ascii_digit).collect();
            let shown: String = f.formatted.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(&shown, &typed);
            prop_assert_eq!(&f.digits, &typed);
            prop_assert!(f.formatted.is_empty() == typed.is_empty());
            prop_assert!(!f.formatted.ends_with(' ') && !f.formatted.contains("  "));
            if let Some(m) = &f.country {
                let key = format!("{}{}", m.calling_code, m.prefix);
                let shown_code = format!("+{}", m.calling_code);
                prop_assert!(typed.starts_with(&key));
                prop_assert!(f.formatted.starts_with(&shown_code));
                prop_assert_eq!(f.is_complete(), m.length == NumberLength::Complete);
            }
        }
    }
}
