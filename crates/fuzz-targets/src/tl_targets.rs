//! Decoder targets: TL objects, `rpc_error`, SRP parameters, stored logout tokens.

use auth_core::{
    RpcError,
    entropy::Entropy,
    logout_tokens::LogoutTokens,
    srp::{SrpAlgo, SrpChallenge, TELEGRAM_P},
    tl::{self, Deserialize, Serialize, enums},
};

/// Decodes `data` as `T`; if it decodes, encoding and decoding again must be stable.
fn stable<T: Deserialize + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = tl::decode::<T>(data) {
        let bytes = value.to_bytes();
        let again = tl::decode::<T>(&bytes).expect("an encoding we produced decodes");
        assert_eq!(again, value, "decode → encode → decode changed the value");
        assert_eq!(again.to_bytes(), bytes, "encoding is not stable");
    }
}

/// `tl_decode`: any boxed object by id at every schema layer, and every result type the core
/// reads.
pub fn tl_decode(data: &[u8]) {
    for &schema in tl::SCHEMA_LAYERS {
        let layer = tl::Layer::new(schema).expect("a schema layer is supported");
        if let Ok((name, out)) = tl::reencode_boxed(layer, data) {
            let (name2, out2) = tl::reencode_boxed(layer, &out).expect("re-encoding decodes");
            assert_eq!(name, name2);
            assert_eq!(out, out2, "re-encoding is not stable for {name} at {layer}");
            assert!(
                out.len() <= data.len(),
                "{name}: re-encoding grew ({} > {})",
                out.len(),
                data.len()
            );
        }
    }
    stable::<enums::auth::SentCode>(data);
    stable::<enums::auth::Authorization>(data);
    stable::<enums::account::Password>(data);
    stable::<enums::account::SentEmailCode>(data);
    stable::<enums::account::EmailVerified>(data);
    stable::<enums::auth::LoginToken>(data);
    stable::<enums::auth::LoggedOut>(data);
    stable::<enums::auth::ExportedAuthorization>(data);
    stable::<enums::help::CountriesList>(data);
    stable::<enums::User>(data);
    stable::<bool>(data);
}

/// `rpc_error`: decoding, classification and re-encoding agree.
pub fn rpc_error(data: &[u8]) {
    let claims = RpcError::is_rpc_error(data);
    if let Ok(e) = RpcError::decode(data) {
        {
            assert!(claims, "decoded without the rpc_error id");
            let again = RpcError::decode(&e.to_bytes()).expect("our encoding decodes");
            assert_eq!(again, e);
            let _ = e.kind();
            let template = e.template();
            if e.value.is_some() {
                assert!(template.ends_with("_X"), "{template}");
            } else {
                assert_eq!(template, e.name);
            }
        }
    }
}

/// `srp_params`: `account.password` bytes from the server, validated and turned into a
/// challenge. Bad parameters must be typed errors; a good challenge's `A` lies in range.
pub fn srp_params(data: &[u8]) {
    // Use the input both as a raw account.password and as a structured one, so the fuzzer
    // reaches the numeric checks without having to forge a valid TL header first.
    if let Ok(enums::account::Password::Password(p)) = tl::decode::<enums::account::Password>(data)
        && let Some(srp) = &p.srp
        && let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(a) =
            &srp.current_algo
    {
        let algo = SrpAlgo {
            salt1: a.salt1.clone(),
            salt2: a.salt2.clone(),
            g: a.g,
            p: a.p.clone(),
        };
        challenge(&algo, &srp.srp_b, &p.secure_random);
    }
    let mut u = arbitrary::Unstructured::new(data);
    let g = u.int_in_range(0..=8).unwrap_or(3);
    let flip = u.arbitrary::<Option<(u8, u8)>>().unwrap_or(None);
    let srp_b: Vec<u8> = u.arbitrary().unwrap_or_default();
    let mut p = TELEGRAM_P.to_vec();
    if let Some((index, mask)) = flip {
        p[usize::from(index)] ^= mask;
    }
    let algo = SrpAlgo {
        salt1: vec![1; 8],
        salt2: vec![2; 8],
        g,
        p,
    };
    challenge(&algo, &srp_b, b"secure random");
}

fn challenge(algo: &SrpAlgo, srp_b: &[u8], secure_random: &[u8]) {
    let mut entropy = Entropy::deterministic([7; 32]);
    if let Ok(c) = SrpChallenge::new(algo, srp_b, 1, secure_random, &mut entropy) {
        // A validated challenge: g_a is a full-width 2048-bit value.
        assert_eq!(c.g_a().len(), 256);
        assert!(c.g_a().iter().any(|&b| b != 0));
    }
}

/// `logout_tokens`: the store's file format never panics, and what decodes re-encodes to
/// the same bytes.
pub fn logout_tokens(data: &[u8]) {
    if let Ok(tokens) = LogoutTokens::decode(data) {
        assert!(tokens.len() <= LogoutTokens::MAX);
        assert_eq!(
            tokens.encode(),
            data,
            "decoded tokens re-encode differently"
        );
    }
}
