//! `help.getCountriesList`: the list and its hash.

use auth_core::countries::{Countries, NumberLength};
use auth_core::tl::{enums, functions, types};
use auth_sim::{KeyStatus, countries_list};

use crate::common::*;

fn get(h: &mut H, lang_code: &str, hash: i32) -> enums::help::CountriesList {
    h.call(
        1,
        7,
        &functions::help::GetCountriesList {
            lang_code: lang_code.into(),
            hash,
        },
    )
    .expect("help.getCountriesList answers")
}

fn list(reply: enums::help::CountriesList) -> types::help::CountriesList {
    match reply {
        enums::help::CountriesList::CountriesList(list) => list,
        other => panic!("expected the list, got {other:?}"),
    }
}

#[test]
fn countries_list_has_codes_and_patterns() {
    let mut h = H::new();
    // Allowed before login: the key stays unauthorized.
    let en = list(get(&mut h, "en", 0));
    assert_eq!(
        h.sim.key_status(auth_core::DcId(1), 7),
        KeyStatus::Unauthorized
    );
    assert_eq!(en, countries_list("en"));
    assert_eq!(en.countries.len(), 15);
    let enums::help::Country::Country(test) = &en.countries[0];
    assert_eq!(
        (test.iso2.as_str(), test.default_name.as_str()),
        ("XT", "Test")
    );
    assert_eq!(test.name, None);
    let hidden: Vec<&str> = en
        .countries
        .iter()
        .map(|enums::help::Country::Country(c)| c)
        .filter(|c| c.hidden)
        .map(|c| c.iso2.as_str())
        .collect();
    assert_eq!(hidden, ["FT"]);

    // The core formats numbers with it.
    let countries = Countries::from_tl(&en.clone().into());
    let shown = |input: &str| {
        let f = countries.format(input);
        let c = f.country.expect("a country");
        (f.formatted, c.iso2, c.length)
    };
    assert_eq!(
        shown("9996621234"),
        ("+999 66 2 1234".into(), "XT".into(), NumberLength::Complete)
    );
    assert_eq!(
        shown("+1 416 555 0100"),
        (
            "+1 416 555 0100".into(),
            "CA".into(),
            NumberLength::Complete
        )
    );
    assert_eq!(
        shown("12025550100"),
        (
            "+1 202 555 0100".into(),
            "US".into(),
            NumberLength::Complete
        )
    );
    assert_eq!(
        shown("77011234567"),
        (
            "+7 701 123 45 67".into(),
            "KZ".into(),
            NumberLength::Complete
        )
    );
    assert_eq!(
        shown("7912"),
        (
            "+7 912".into(),
            "RU".into(),
            NumberLength::Short { missing: 7 }
        )
    );
    assert_eq!(
        shown("380501234567"),
        (
            "+380 50 123 45 67".into(),
            "UA".into(),
            NumberLength::Complete
        )
    );
    assert_eq!(
        shown("+44 7911 123456"),
        (
            "+44 7911 123456".into(),
            "GB".into(),
            NumberLength::Complete
        )
    );
    assert_eq!(countries.format("+888 1234 5678").country, None);

    // German names in `name`, English in `default_name`.
    let de = list(get(&mut h, "de", 0));
    let enums::help::Country::Country(germany) = de
        .countries
        .iter()
        .find(|enums::help::Country::Country(c)| c.iso2 == "DE")
        .expect("Germany");
    assert_eq!(germany.name.as_deref(), Some("Deutschland"));
    assert_eq!(germany.default_name, "Germany");
    let countries = Countries::from_tl(&de.into());
    assert_eq!(
        countries.format("4915112345678").country.expect("DE").name,
        "Deutschland"
    );
}

#[test]
fn countries_list_not_modified_by_hash() {
    let mut h = H::new();
    let first = list(get(&mut h, "en", 0));
    assert_ne!(first.hash, 0);
    assert_eq!(first.hash, countries_list("en").hash, "stable");
    assert_eq!(
        get(&mut h, "en", first.hash),
        types::help::CountriesListNotModified {}.into()
    );
    assert_eq!(list(get(&mut h, "en", first.hash ^ 1)), first);
    // Another language is another list: the English hash does not match it.
    let de = list(get(&mut h, "de", first.hash));
    assert_ne!(de.hash, first.hash);
    assert_eq!(
        get(&mut h, "de", de.hash),
        types::help::CountriesListNotModified {}.into()
    );

    // The core's cache: the request carries the hash, "not modified" keeps the list.
    let mut countries = Countries::new();
    let reply = get(&mut h, "en", countries.request("en").hash);
    assert!(countries.handle_reply(&reply));
    let request = countries.request("en");
    assert_eq!(request.hash, first.hash);
    let reply = h.call(1, 7, &request).expect("answers");
    assert!(!countries.handle_reply(&reply));
    assert_eq!(countries.countries().len(), 15);
}
