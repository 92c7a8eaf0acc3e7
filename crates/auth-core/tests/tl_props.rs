//! Round-trip properties for every generated TL definition.
use auth_core::tl::{self, DEFINITIONS};
use proptest::prelude::*;

/// `Ok(true)` when a value was built and survived the round trip, `Ok(false)` when the bytes
/// could not build a value.
fn roundtrip(index: usize, data: &[u8]) -> Result<bool, String> {
    let mut u = arbitrary::Unstructured::new(data);
    match tl::arbitrary_roundtrip(index, &mut u) {
        Ok(result) => result
            .map(|()| true)
            .map_err(|e| format!("{}: {e}", DEFINITIONS[index].name)),
        Err(_) => Ok(false),
    }
}

#[test]
fn every_definition_roundtrips_on_fixed_seeds() {
    let mut checked = 0;
    for index in 0..DEFINITIONS.len() {
        for seed in 0..16u8 {
            let data: Vec<u8> = (0..600u32)
                .map(|i| {
                    (i as u8)
                        .wrapping_mul(31)
                        .wrapping_add(seed.wrapping_mul(97))
                        ^ (i >> 3) as u8
                })
                .collect();
            if roundtrip(index, &data).unwrap() {
                checked += 1;
            }
        }
    }
    assert_eq!(checked, DEFINITIONS.len() * 16, "every seed builds a value");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_encode_roundtrip(index in 0..DEFINITIONS.len(), data in prop::collection::vec(any::<u8>(), 0..1024)) {
        prop_assert!(roundtrip(index, &data).is_ok(), "{:?}", roundtrip(index, &data));
    }

    #[test]
    fn random_bytes_never_panic_and_reencode_stably(data in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok((name, out)) = tl::reencode_boxed(&data) {
            // A decodable input re-encodes to something that decodes to the same encoding.
            let (name2, out2) = tl::reencode_boxed(&out).expect("re-encoding decodes");
            prop_assert_eq!(name, name2);
            prop_assert_eq!(out, out2);
        }
    }

    #[test]
    fn sample_objects_with_any_prefix_id_never_panic(id in any::<u32>(), tail in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut data = id.to_le_bytes().to_vec();
        data.extend_from_slice(&tail);
        let _ = tl::reencode_boxed(&data);
        let _ = tl::decode::<tl::enums::auth::Authorization>(&data);
        let _ = tl::decode::<tl::enums::account::Password>(&data);
    }
}
