//! Round-trip properties for every generated TL definition, at every supported layer.
use auth_core::tl::{self, DEFINITIONS, Layer, SUPPORTED_LAYERS};
use proptest::prelude::*;

/// What one seed gave: `None` if the bytes could not build a value, `Some(None)` if the value
/// came back equal at `layer`, `Some(Some(id))` if `layer` refused constructor `id` inside it.
fn roundtrip(index: usize, layer: Layer, data: &[u8]) -> Result<Option<Option<u32>>, String> {
    let mut u = arbitrary::Unstructured::new(data);
    match tl::arbitrary_roundtrip(index, layer.mask(), &mut u) {
        Ok(result) => result
            .map(Some)
            .map_err(|e| format!("{} at {layer}: {e}", DEFINITIONS[index].name)),
        Err(_) => Ok(None),
    }
}

fn seed_bytes(seed: u8) -> Vec<u8> {
    (0..600u32)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(seed.wrapping_mul(97))
                ^ (i >> 3) as u8
        })
        .collect()
}

fn layers() -> impl Iterator<Item = Layer> {
    SUPPORTED_LAYERS.map(|l| Layer::new(l).expect("supported"))
}

#[test]
fn every_definition_roundtrips_at_every_layer_that_defines_it() {
    let mut checked = 0;
    for layer in layers() {
        for (index, def) in DEFINITIONS.iter().enumerate() {
            if !layer.defines(def.id) {
                continue;
            }
            let mut accepted = 0;
            for seed in 0..16u8 {
                match roundtrip(index, layer, &seed_bytes(seed)).unwrap() {
                    None => panic!("{} seed {seed} builds no value", def.name),
                    Some(None) => accepted += 1,
                    // A nested constructor of another layer: refusing it is right.
                    Some(Some(id)) => assert!(
                        !layer.defines(id),
                        "{} at {layer}: refused {id:#010x}, which the layer defines",
                        def.name
                    ),
                }
            }
            assert!(accepted > 0, "{} never round-tripped at {layer}", def.name);
            checked += 1;
        }
    }
    // Every layer defines most definitions; 230 defines the most.
    assert!(checked > 9 * 170, "{checked}");
}

#[test]
fn a_constructor_is_refused_at_a_layer_that_does_not_define_it() {
    let mut refused = 0;
    for layer in layers() {
        for (index, def) in DEFINITIONS.iter().enumerate() {
            if layer.defines(def.id) {
                continue;
            }
            let data = seed_bytes(3);
            let bytes = tl::arbitrary_encoded(index, &mut arbitrary::Unstructured::new(&data))
                .expect("a value");
            assert_eq!(
                tl::reencode_boxed(layer, &bytes).map(|(name, _)| name),
                Err(tl::DecodeError::UnknownConstructor {
                    id: def.id,
                    expected: "any authorization object"
                }),
                "{} at {layer}",
                def.name
            );
            refused += 1;
        }
    }
    // user and auth.sentCodePaymentRequired in two layouts, the message entities and the
    // passkey credential that later layers added, and layer 230's Firebase login.
    assert!(refused >= 20, "{refused}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_encode_roundtrip(
        index in 0..DEFINITIONS.len(),
        layer in SUPPORTED_LAYERS,
        data in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        let layer = Layer::new(layer).expect("supported");
        let result = roundtrip(index, layer, &data);
        prop_assert!(result.is_ok(), "{:?}", result);
    }

    #[test]
    fn random_bytes_never_panic_and_reencode_stably(
        layer in SUPPORTED_LAYERS,
        data in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let layer = Layer::new(layer).expect("supported");
        if let Ok((name, out)) = tl::reencode_boxed(layer, &data) {
            // A decodable input re-encodes to something that decodes to the same encoding.
            let (name2, out2) = tl::reencode_boxed(layer, &out).expect("re-encoding decodes");
            prop_assert_eq!(name, name2);
            prop_assert_eq!(out, out2);
        }
    }

    #[test]
    fn sample_objects_with_any_prefix_id_never_panic(id in any::<u32>(), tail in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut data = id.to_le_bytes().to_vec();
        data.extend_from_slice(&tail);
        let _ = tl::reencode_boxed(Layer::DEFAULT, &data);
        let _ = tl::decode::<tl::enums::auth::Authorization>(&data);
        let _ = tl::decode::<tl::enums::account::Password>(&data);
    }
}
