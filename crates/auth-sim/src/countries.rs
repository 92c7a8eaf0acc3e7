//! `help.getCountriesList`: a small, realistic country list with phone patterns, cached by
//! hash.

use std::time::Instant;

use auth_core::tl::{Serialize, enums, functions, types};

use crate::Sim;
use crate::keys::KeyId;
use crate::rpc::Answered;

/// One row of the list: ISO code, English name, German name, calling codes.
struct Row {
    iso2: &'static str,
    name: &'static str,
    name_de: &'static str,
    hidden: bool,
    codes: &'static [Code],
}

/// A calling code with its prefixes and patterns.
struct Code {
    code: &'static str,
    prefixes: &'static [&'static str],
    patterns: &'static [&'static str],
}

const fn code(
    code: &'static str,
    prefixes: &'static [&'static str],
    patterns: &'static [&'static str],
) -> Code {
    Code {
        code,
        prefixes,
        patterns,
    }
}

const fn row(
    iso2: &'static str,
    name: &'static str,
    name_de: &'static str,
    codes: &'static [Code],
) -> Row {
    Row {
        iso2,
        name,
        name_de,
        hidden: false,
        codes,
    }
}

const NANP: &[&str] = &["XXX XXX XXXX"];

/// The countries, in the order Telegram lists them (by English name), the test numbers first.
const ROWS: &[Row] = &[
    // The simulator's own entry: `99966XYYYY` test numbers. Two patterns: the first (with
    // the fixed digits 66) is chosen for test numbers, the second for other +999 numbers.
    row(
        "XT",
        "Test",
        "Test",
        &[code("999", &[], &["66 X XXXX", "XXX XXXX"])],
    ),
    Row {
        iso2: "FT",
        name: "Anonymous Numbers",
        name_de: "Anonyme Nummern",
        hidden: true,
        codes: &[code("888", &[], &["XXXX XXXX"])],
    },
    row(
        "CA",
        "Canada",
        "Kanada",
        &[code(
            "1",
            &[
                "204", "236", "250", "289", "306", "403", "416", "438", "514", "587", "604", "613",
                "647", "778", "780", "902", "905",
            ],
            NANP,
        )],
    ),
    row(
        "DO",
        "Dominican Republic",
        "Dominikanische Republik",
        &[code("1", &["809", "829", "849"], NANP)],
    ),
    row(
        "FR",
        "France",
        "Frankreich",
        &[code("33", &[], &["X XX XX XX XX"])],
    ),
    row(
        "DE",
        "Germany",
        "Deutschland",
        &[code("49", &[], &["XXXX XXXXXXX"])],
    ),
    row(
        "IN",
        "India",
        "Indien",
        &[code("91", &[], &["XXXXX XXXXX"])],
    ),
    row(
        "IT",
        "Italy",
        "Italien",
        &[code("39", &[], &["XXX XXX XXXX"])],
    ),
    row(
        "KZ",
        "Kazakhstan",
        "Kasachstan",
        &[code("7", &["6", "7"], &["XXX XXX XX XX"])],
    ),
    row(
        "RU",
        "Russian Federation",
        "Russland",
        &[code("7", &[], &["XXX XXX XXXX"])],
    ),
    row(
        "UA",
        "Ukraine",
        "Ukraine",
        &[code("380", &[], &["XX XXX XX XX"])],
    ),
    row(
        "GB",
        "United Kingdom",
        "Vereinigtes Königreich",
        &[code("44", &[], &["XXXX XXXXXX"])],
    ),
    row("US", "USA", "Vereinigte Staaten", &[code("1", &[], NANP)]),
    row(
        "VA",
        "Vatican City",
        "Vatikanstadt",
        &[
            code("39", &["06698"], &["XX XXX XXXXX"]),
            code("379", &[], &[]),
        ],
    ),
    row("YL", "Y-land", "Y-Land", &[code("42", &[], &["XXXX"])]),
];

/// Telegram's 32-bit hash rule (core.telegram.org/api/offsets): `h = (h · 20261 + x) mod 2³¹`,
/// here over the serialized countries, four bytes at a time. Never 0 (0 asks for the list).
fn list_hash(countries: &[enums::help::Country]) -> i32 {
    let mut bytes = Vec::new();
    for c in countries {
        c.serialize(&mut bytes);
    }
    let h = bytes.chunks(4).fold(0u64, |h, word| {
        let mut w = [0; 4];
        w[..word.len()].copy_from_slice(word);
        (h * 20261 + u64::from(u32::from_le_bytes(w))) % (1 << 31)
    });
    i32::try_from(h).unwrap_or(1).max(1)
}

/// The list the simulator answers `help.getCountriesList` with: fifteen countries (one, the
/// anonymous numbers, hidden) with their calling codes, prefixes and patterns, plus `XT`
/// "Test" for the `+999 66 X YYYY` test numbers. `name` is filled in German for `lang_code`
/// `de` and left out otherwise (`default_name` is English). The hash depends on the content,
/// so it differs between languages and stays the same across runs.
///
/// ```
/// let list = auth_sim::countries_list("en");
/// assert_eq!(list.countries.len(), 15);
/// assert_eq!(list.hash, auth_sim::countries_list("en").hash);
/// assert_ne!(list.hash, auth_sim::countries_list("de").hash);
/// ```
pub fn countries_list(lang_code: &str) -> types::help::CountriesList {
    let german = lang_code.eq_ignore_ascii_case("de");
    let countries: Vec<enums::help::Country> = ROWS
        .iter()
        .map(|r| {
            types::help::Country {
                hidden: r.hidden,
                iso2: r.iso2.into(),
                default_name: r.name.into(),
                name: german.then(|| r.name_de.into()),
                country_codes: r
                    .codes
                    .iter()
                    .map(|c| {
                        let strings = |s: &[&str]| s.iter().map(|p| (*p).to_owned()).collect();
                        types::help::CountryCode {
                            country_code: c.code.into(),
                            prefixes: (!c.prefixes.is_empty()).then(|| strings(c.prefixes)),
                            patterns: (!c.patterns.is_empty()).then(|| strings(c.patterns)),
                        }
                        .into()
                    })
                    .collect(),
            }
            .into()
        })
        .collect();
    let hash = list_hash(&countries);
    types::help::CountriesList { countries, hash }
}

impl Sim {
    /// `help.getCountriesList`: the list, or `help.countriesListNotModified` when the client
    /// already has it (its `hash` equals the list's).
    pub(crate) fn get_countries_list(
        &mut self,
        _now: Instant,
        _at: KeyId,
        req: functions::help::GetCountriesList,
    ) -> Answered<enums::help::CountriesList> {
        let list = countries_list(&req.lang_code);
        if req.hash == list.hash {
            Ok(types::help::CountriesListNotModified {}.into())
        } else {
            Ok(list.into())
        }
    }
}
