//! Telegram's worked example of the handshake (mtproto/samples-auth_key), replayed through the
//! client state machine with the page's nonces, padding and `b` drawn from a script, and
//! through the crypto functions step by step.

#![allow(clippy::disallowed_methods)]

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use num_bigint::BigUint;

use super::pq::factor;
use super::*;
use crate::crypto::{ige_decrypt, ige_encrypt, rsa_pad, tmp_aes_key_iv};
use crate::keys::{RsaPublicKey, to_256};
use crate::random::Random;

fn vector(name: &str) -> Vec<u8> {
    let text = include_str!("../../vectors/auth_key_sample.txt");
    let line = text
        .lines()
        .find(|l| l.split(" = ").next() == Some(name))
        .unwrap_or_else(|| panic!("no {name}"));
    hex::decode(line.split(" = ").nth(1).unwrap()).unwrap()
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.try_into().unwrap()
}

/// The message body of an unencrypted payload.
fn body(payload: &[u8]) -> &[u8] {
    &payload[20..]
}

struct Sample {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
}

fn sample() -> Sample {
    let inner = vector("p_q_inner_data_dc");
    Sample {
        nonce: array(&inner[32..48]),
        server_nonce: array(&inner[48..64]),
        new_nonce: array(&inner[64..96]),
    }
}

#[test]
fn step_by_step() {
    let s = sample();
    // 3) pq = 3358800871349344843 = 1786331737 · 1880278339
    assert_eq!(
        factor(3_358_800_871_349_344_843),
        Some((1_786_331_737, 1_880_278_339))
    );
    // 4) the inner data the client encrypts
    assert_eq!(vector("p_q_inner_data_dc"), vector("doc_rsa_data"));
    // 6) temporary key and IV, the answer and its hash
    let (key, iv) = tmp_aes_key_iv(&s.server_nonce, &s.new_nonce);
    assert_eq!(key.to_vec(), vector("doc_tmp_aes_key"));
    assert_eq!(iv.to_vec(), vector("doc_tmp_aes_iv"));
    let mut answer = vector("doc_encrypted_answer");
    ige_decrypt(&mut answer, &key, &iv).unwrap();
    assert_eq!(answer, vector("doc_answer_with_hash"));
    let inner = vector("server_dh_inner_data");
    assert_eq!(answer[..20], sha1(&[&inner]));
    assert_eq!(answer[20..20 + inner.len()], inner[..]);
    // 7) g_b = 3^b mod dh_prime, the client's encrypted data
    let dh_prime = BigUint::from_bytes_be(&inner[44..300]);
    let g_a = BigUint::from_bytes_be(&inner[304..560]);
    let b = BigUint::from_bytes_be(&vector("doc_b"));
    let g_b = BigUint::from(3u32).modpow(&b, &dh_prime);
    assert_eq!(to_256(&g_b).to_vec(), vector("doc_g_b"));
    let client_data = vector("doc_client_data");
    assert_eq!(client_data, vector("client_dh_inner_data"));
    let padding = vector("doc_padding");
    let mut encrypted = with_hash(&client_data, &mut |pad| pad.copy_from_slice(&padding));
    ige_encrypt(&mut encrypted, &key, &iv).unwrap();
    assert_eq!(encrypted, vector("doc_client_encrypted_data"));
    // 8) the key, its id and 9) new_nonce_hash1
    let auth_key = AuthKey::from_bytes(to_256(&g_a.modpow(&b, &dh_prime)));
    assert_eq!(auth_key.to_bytes().to_vec(), vector("doc_auth_key"));
    let sha = sha1(&[&auth_key.to_bytes()]);
    assert_eq!(auth_key.id().to_le_bytes(), sha[12..20]);
    let dh_gen_ok = vector("dh_gen_ok");
    assert_eq!(
        new_nonce_hash(&s.new_nonce, 1, &auth_key),
        dh_gen_ok[56..72]
    );
}

#[test]
fn the_client_state_machine_reproduces_the_example() {
    let s = sample();
    let server_time = 0x6a46_7061u64;
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(server_time);
    let now = Instant::now();
    let rsa_padding = vector("doc_random_padding_bytes");
    // The page does not give RSA_PAD's temp_key; draw a fixed one (and spares in case a block
    // lands above the modulus).
    let temp_keys: Vec<Vec<u8>> = (0..8u8).map(|i| vec![0x42 ^ i; 32]).collect();
    let mut script: VecDeque<Vec<u8>> = VecDeque::new();
    script.push_back(s.nonce.to_vec());
    script.push_back(s.new_nonce.to_vec());
    script.push_back(rsa_padding.clone());
    script.extend(temp_keys.iter().cloned());
    let config = HandshakeConfig::production(2);
    let mut client =
        ClientHandshake::with_random(config, now, wall, Random::Script(script)).unwrap();

    // 1) req_pq_multi
    let sent = client.poll_transmit(now).unwrap();
    assert_eq!(body(&sent), body(&vector("req_pq_multi")));
    assert_eq!(sent[..8], [0; 8]);

    // 2) resPQ → 5) req_DH_params
    client.handle_packet(now, &vector("res_pq")).unwrap();
    let sent = client.poll_transmit(now).unwrap();
    let expected = vector("req_dh_params");
    // Everything but the RSA ciphertext (whose temp_key the page does not give) is the page's.
    assert_eq!(body(&sent)[..60], body(&expected)[..60]);
    assert_eq!(body(&sent)[60..64], [0xfe, 0x00, 0x01, 0x00]);
    // …and the ciphertext is RSA_PAD of the page's inner data and padding with our temp_key.
    let mut replay = VecDeque::from([rsa_padding]);
    replay.extend(temp_keys);
    let ours = rsa_pad::encrypt(
        &vector("doc_rsa_data"),
        &RsaPublicKey::telegram_production(),
        &mut Random::Script(replay),
    )
    .unwrap();
    assert_eq!(&body(&sent)[64..], &ours[..]);

    // 6) server_DH_params_ok → 7) set_client_DH_params, byte for byte (b and padding drawn)
    let Random::Script(script) = &mut client.random else {
        unreachable!()
    };
    script.clear();
    script.push_back(vector("doc_b"));
    script.push_back(vector("doc_padding"));
    client
        .handle_packet(now, &vector("server_dh_params_ok"))
        .unwrap();
    let sent = client.poll_transmit(now).unwrap();
    assert_eq!(body(&sent), body(&vector("set_client_dh_params")));

    // 9) dh_gen_ok: new_nonce_hash1 checks out, and the key is the page's
    client.handle_packet(now, &vector("dh_gen_ok")).unwrap();
    assert!(client.is_finished());
    let outcome = client.poll_outcome().unwrap();
    assert_eq!(outcome.auth_key.to_bytes().to_vec(), vector("doc_auth_key"));
    assert_eq!(outcome.time_offset, 0);
    assert_eq!(outcome.dc, Some(2));
    let mut salt = [0u8; 8];
    for (i, b) in salt.iter_mut().enumerate() {
        *b = s.new_nonce[i] ^ s.server_nonce[i];
    }
    assert_eq!(outcome.salt, i64::from_le_bytes(salt));
    assert_eq!(client.poll_transmit(now), None);
}

#[test]
fn tampered_answers_are_refused() {
    let s = sample();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(0x6a46_7061);
    let now = Instant::now();
    let start = || {
        let mut script = VecDeque::from([s.nonce.to_vec(), s.new_nonce.to_vec()]);
        script.push_back(vector("doc_random_padding_bytes"));
        script.extend((0..8u8).map(|i| vec![0x42 ^ i; 32]));
        let mut client = ClientHandshake::with_random(
            HandshakeConfig::production(2),
            now,
            wall,
            Random::Script(script),
        )
        .unwrap();
        client.poll_transmit(now).unwrap();
        client
    };
    // A different nonce in resPQ.
    let mut res_pq = vector("res_pq");
    res_pq[30] ^= 1;
    assert_eq!(
        start().handle_packet(now, &res_pq),
        Err(HandshakeError::NonceMismatch)
    );
    // A resPQ offering only keys we do not have.
    let mut res_pq = vector("res_pq");
    res_pq[76] ^= 1;
    assert!(matches!(
        start().handle_packet(now, &res_pq),
        Err(HandshakeError::NoKnownKey(_))
    ));
    // A corrupted encrypted answer fails its SHA1 check.
    let mut client = start();
    client.handle_packet(now, &vector("res_pq")).unwrap();
    client.poll_transmit(now).unwrap();
    let mut params = vector("server_dh_params_ok");
    params[200] ^= 1;
    assert!(client.handle_packet(now, &params).is_err());
    assert!(client.is_finished());
    // A forged dh_gen_ok fails the new_nonce_hash1 check.
    let mut client = start();
    client.handle_packet(now, &vector("res_pq")).unwrap();
    client.poll_transmit(now).unwrap();
    client.random = Random::Script(VecDeque::from([vector("doc_b"), vector("doc_padding")]));
    client
        .handle_packet(now, &vector("server_dh_params_ok"))
        .unwrap();
    client.poll_transmit(now).unwrap();
    let mut gen_ok = vector("dh_gen_ok");
    gen_ok[60] ^= 1;
    assert_eq!(
        client.handle_packet(now, &gen_ok),
        Err(HandshakeError::NewNonceHashMismatch)
    );
    assert_eq!(client.poll_outcome(), None);
}
