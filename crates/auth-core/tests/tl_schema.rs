//! The TL layer against its schema: generated code is current, ids follow Telegram's CRC32
//! rule, and the sample produced by another implementation round-trips byte for byte.
use std::path::Path;

use auth_core::tl::{self, DEFINITION_LAYERS, DEFINITIONS, DecodeError, Layer};

const GENERATED: &str = include_str!("../src/tl/generated.rs");
const SAMPLE: &str = include_str!("data/tl-sample.jsonl");

fn schema() -> tl_gen::SchemaDir {
    tl_gen::SchemaDir::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schema"))
        .expect("the schema folder reads")
}

#[test]
fn generated_code_is_what_the_generator_produces() {
    let fresh = schema().generate().expect("schema generates");
    assert!(
        fresh == GENERATED,
        "src/tl/generated.rs is stale: run `cargo run -p tl-gen -- generate crates/auth-core/schema crates/auth-core/src/tl/generated.rs`"
    );
}

#[test]
fn every_id_matches_its_schema_line_by_crc32_at_every_layer() {
    let schema = schema();
    assert_eq!(
        schema.layers.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        tl::SCHEMA_LAYERS
    );
    for (layer, text) in &schema.layers {
        let layer = Layer::new(*layer).expect("a schema layer is supported");
        let mut defs = tl_gen::parse(text).expect("layer parses");
        defs.extend(tl_gen::parse(&schema.shared).expect("shared lines parse"));
        for d in &defs {
            let computed = tl_gen::compute_id(&d.line);
            assert_eq!(
                computed,
                d.id,
                "{}: `{}`",
                d.name,
                tl_gen::id_source(&d.line)
            );
            let (entry, layers) = DEFINITIONS
                .iter()
                .zip(DEFINITION_LAYERS)
                .find(|(e, _)| e.name == d.name && e.id == d.id)
                .unwrap_or_else(|| panic!("{}#{:x} missing from the generated code", d.name, d.id));
            assert_eq!(entry.is_function, d.kind == tl_gen::schema::Kind::Function);
            assert!(
                layer.mask().has(*layers),
                "{} not marked as defined at {layer}",
                d.name
            );
            assert!(layer.defines(d.id));
        }
        // Nothing is marked as defined at a layer whose schema lacks it.
        let count = DEFINITIONS.iter().filter(|e| layer.defines(e.id)).count();
        assert_eq!(count, defs.len(), "{layer}");
    }
    // Spot-check ids used directly by trait constants.
    use auth_core::tl::Identifiable;
    assert_eq!(tl::functions::auth::SendCode::CONSTRUCTOR_ID, 0xa677244f);
    assert_eq!(tl::types::account::Password::CONSTRUCTOR_ID, 0x957b50fb);
    assert_eq!(
        tl::types::auth::SentCodeTypeFirebaseSms::CONSTRUCTOR_ID,
        0x009fd736
    );
    assert_eq!(tl::types::User::CONSTRUCTOR_ID, 0xb1b8cc83);
    assert_eq!(tl::types::UserLayer220::CONSTRUCTOR_ID, 0x31774388);
}

#[test]
fn user_and_paid_sign_up_have_one_layout_per_layer_range() {
    use auth_core::tl::Identifiable;
    let layout = |layer: i32, ids: &[u32]| -> Vec<u32> {
        let layer = Layer::new(layer).expect("supported");
        ids.iter()
            .copied()
            .filter(|&id| layer.defines(id))
            .collect()
    };
    let users = [
        tl::types::User::CONSTRUCTOR_ID,
        tl::types::UserLayer220::CONSTRUCTOR_ID,
    ];
    for l in 220..=227 {
        assert_eq!(layout(l, &users), [0x31774388], "user at {l}");
    }
    for l in 228..=230 {
        assert_eq!(layout(l, &users), [0xb1b8cc83], "user at {l}");
    }
    let paid = [
        tl::types::auth::SentCodePaymentRequired::CONSTRUCTOR_ID,
        tl::types::auth::SentCodePaymentRequiredLayer220::CONSTRUCTOR_ID,
    ];
    for l in 220..=224 {
        assert_eq!(layout(l, &paid), [0xe0955a3c], "paid at {l}");
    }
    for l in 225..=230 {
        assert_eq!(layout(l, &paid), [0xf8827ebf], "paid at {l}");
    }
    // Layer 230 adds the Firebase phone-number login; 226 and 229 use 225's and 228's schema.
    let pnv = tl::functions::auth::InitFirebasePnvLogin::CONSTRUCTOR_ID;
    assert_eq!(layout(230, &[pnv]), [pnv]);
    assert_eq!(layout(229, &[pnv]), [0u32; 0]);
    assert_eq!(Layer::new(229).map(Layer::schema), Ok(228));
    assert_eq!(Layer::new(226).map(Layer::schema), Ok(225));
    assert!(Layer::new(219).is_err() && Layer::new(231).is_err());
}

#[test]
fn schema_copy_covers_every_sampled_definition() {
    // 172 = every constructor and function of the auth subset and decode closure, without
    // built-ins, rpc_error and the generic wrappers.
    let sampled: Vec<String> = SAMPLE
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(sampled.len(), 172);
    for name in &sampled {
        assert!(
            DEFINITIONS.iter().any(|e| e.name == name),
            "{name} not generated"
        );
    }
}

#[test]
fn sample_roundtrips_byte_for_byte_and_damage_is_rejected() {
    let mut checked = 0;
    for line in SAMPLE.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("sample line is JSON");
        let bytes = hex::decode(v["hex"].as_str().expect("hex")).expect("hex decodes");
        let result = tl::reencode_boxed(Layer::DEFAULT, &bytes);
        if v["expect_error"].as_bool() == Some(true) {
            assert!(result.is_err(), "damaged line accepted: {}", v["note"]);
        } else {
            let (name, out) = result.unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
            assert_eq!(name, v["name"].as_str().expect("name"));
            assert_eq!(hex::encode(out), v["hex"].as_str().expect("hex"), "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 184);
}

fn boxed_user_vector(claimed: u32) -> Vec<u8> {
    // vector#1cb5c415 with a claimed length, then nothing but zero bytes.
    let mut b = 0x1cb5c415u32.to_le_bytes().to_vec();
    b.extend_from_slice(&claimed.to_le_bytes());
    b
}

#[test]
fn vector_length_beyond_input_is_refused_before_allocating() {
    let mut bytes = boxed_user_vector(u32::MAX);
    bytes.extend_from_slice(&[0; 64]);
    let err = tl::decode::<Vec<tl::enums::User>>(&bytes).unwrap_err();
    assert_eq!(err, DecodeError::VectorTooLong(u32::MAX));
    // A length that fits the input passes the check, then fails on the first bad element.
    let mut bytes = boxed_user_vector(16);
    bytes.extend_from_slice(&[0; 64]);
    let err = tl::decode::<Vec<tl::enums::User>>(&bytes).unwrap_err();
    assert_eq!(
        err,
        DecodeError::UnknownConstructor {
            id: 0,
            expected: "User"
        }
    );
}

#[test]
fn nesting_depth_is_bounded() {
    // inputPeerUserFromMessage#a87b0a1c peer:InputPeer msg_id:int user_id:long, nested 10 000 deep.
    let mut bytes = Vec::new();
    for _ in 0..10_000 {
        bytes.extend_from_slice(&0xa87b0a1cu32.to_le_bytes());
    }
    assert_eq!(
        tl::decode::<tl::enums::InputPeer>(&bytes).unwrap_err(),
        DecodeError::TooDeep
    );
    // Ten levels are fine.
    let mut ok = Vec::new();
    for _ in 0..10 {
        ok.extend_from_slice(&0xa87b0a1cu32.to_le_bytes());
    }
    ok.extend_from_slice(&0x7da07ec9u32.to_le_bytes()); // inputPeerSelf
    for _ in 0..10 {
        ok.extend_from_slice(&7i32.to_le_bytes());
        ok.extend_from_slice(&9i64.to_le_bytes());
    }
    let peer = tl::decode::<tl::enums::InputPeer>(&ok).expect("10 levels decode");
    assert_eq!(tl::Serialize::to_bytes(&peer), ok);
}

#[test]
fn trailing_bytes_unknown_ids_and_bad_utf8_are_typed_errors() {
    // auth.loggedOut#c3a2835f flags:0, then 4 stray bytes.
    let mut bytes = 0xc3a2835fu32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&0u32.to_le_bytes());
    assert!(tl::decode::<tl::enums::auth::LoggedOut>(&bytes).is_ok());
    bytes.extend_from_slice(&[1, 2, 3, 4]);
    assert_eq!(
        tl::decode::<tl::enums::auth::LoggedOut>(&bytes).unwrap_err(),
        DecodeError::TrailingBytes(4)
    );

    let unknown = 0xdeadbeefu32.to_le_bytes();
    assert_eq!(
        tl::decode::<tl::enums::auth::SentCode>(&unknown).unwrap_err(),
        DecodeError::UnknownConstructor {
            id: 0xdeadbeef,
            expected: "auth.SentCode"
        }
    );

    // auth.passwordRecovery#137948a5 email_pattern:string with bytes ff fe.
    let mut bad = 0x137948a5u32.to_le_bytes().to_vec();
    bad.extend_from_slice(&[2, 0xff, 0xfe, 0]);
    assert_eq!(
        tl::decode::<tl::enums::auth::PasswordRecovery>(&bad).unwrap_err(),
        DecodeError::InvalidUtf8
    );
    bad.truncate(6);
    assert_eq!(
        tl::decode::<tl::enums::auth::PasswordRecovery>(&bad).unwrap_err(),
        DecodeError::UnexpectedEof
    );
}

#[test]
fn shared_flag_bits_decode_as_one_group() {
    use tl::types::account::{Password, PasswordSrp};
    let password = Password {
        srp: Some(PasswordSrp {
            current_algo: Default::default(),
            srp_b: vec![7; 256],
            srp_id: 42,
        }),
        new_algo: Default::default(),
        new_secure_algo: Default::default(),
        secure_random: vec![1; 32],
        ..Default::default()
    };
    assert!(password.has_password());
    let boxed: tl::enums::account::Password = password.clone().into();
    let bytes = tl::Serialize::to_bytes(&boxed);
    // flags word: only bit 2.
    assert_eq!(&bytes[4..8], &4u32.to_le_bytes());
    let back: tl::enums::account::Password = tl::decode(&bytes).unwrap();
    assert_eq!(back, boxed);
}

#[test]
fn secrets_are_redacted_in_debug() {
    let call = tl::functions::auth::SignIn {
        phone_number: "9996612345".into(),
        phone_code_hash: "abcdef0123".into(),
        phone_code: Some("22222".into()),
        email_verification: None,
    };
    let shown = format!("{call:?}");
    assert!(shown.contains("9996612345"), "{shown}");
    assert!(!shown.contains("22222"), "{shown}");
    assert!(!shown.contains("abcdef0123"), "{shown}");
    let logged_out = tl::types::auth::LoggedOut {
        future_auth_token: Some(b"topsecret".to_vec().into()),
    };
    assert!(
        !format!("{logged_out:?}").contains("116"),
        "bytes of the token must not print"
    );
}

#[test]
fn function_results_are_typed() {
    use tl::RemoteCall;
    fn ret<F: RemoteCall>() -> &'static str {
        std::any::type_name::<F::Return>()
    }
    assert!(ret::<tl::functions::auth::SendCode>().ends_with("enums::auth::SentCode"));
    assert_eq!(ret::<tl::functions::auth::CancelCode>(), "bool");
    assert!(ret::<tl::functions::help::GetConfig>().ends_with("RawObject"));
}

#[test]
fn replies_are_checked_against_the_declared_result_type() {
    use tl::{Identifiable, Serialize};
    let send_code = tl::functions::auth::SendCode::CONSTRUCTOR_ID;
    let sent: tl::enums::auth::SentCode = tl::types::auth::SentCode {
        r#type: tl::types::auth::SentCodeTypeApp { length: 5 }.into(),
        phone_code_hash: "h".into(),
        next_type: None,
        timeout: None,
    }
    .into();
    assert_eq!(
        tl::decode_result_of(Layer::DEFAULT, send_code, &sent.to_bytes()),
        Some(Ok(()))
    );
    assert!(matches!(
        tl::decode_result_of(Layer::DEFAULT, send_code, &true.to_bytes()),
        Some(Err(_))
    ));
    let cancel = tl::functions::auth::CancelCode::CONSTRUCTOR_ID;
    assert_eq!(
        tl::decode_result_of(Layer::DEFAULT, cancel, &true.to_bytes()),
        Some(Ok(()))
    );
    assert_eq!(tl::decode_result_of(Layer::DEFAULT, 0xdeadbeef, &[]), None);
}

#[test]
fn a_length_prefix_of_255_is_refused() {
    // Found by fuzzing (fuzz/regressions/tl_decode/length_prefix_255): tl-proto read 0xff as a
    // one-byte length of 255, so the object re-encoded 4 bytes longer (with a 254 prefix).
    // passwordRecovery#137948a5 email_pattern:string with a 255-byte string behind 0xff.
    let mut bytes = 0x137948a5u32.to_le_bytes().to_vec();
    bytes.push(255);
    bytes.extend_from_slice(&[b'a'; 255]);
    assert_eq!(
        tl::decode::<tl::enums::auth::PasswordRecovery>(&bytes).unwrap_err(),
        DecodeError::BadLengthPrefix
    );
    // The canonical long form of the same string decodes.
    let mut good = 0x137948a5u32.to_le_bytes().to_vec();
    good.extend_from_slice(&[254, 255, 0, 0]);
    good.extend_from_slice(&[b'a'; 255]);
    good.push(0);
    assert!(tl::decode::<tl::enums::auth::PasswordRecovery>(&good).is_ok());
}
