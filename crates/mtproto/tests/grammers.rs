//! Differential tests against grammers-crypto 0.11, an independent MTProto implementation:
//! its AES-IGE and key derivations agree with ours, a client made of its primitives creates a
//! key with our server (its RSA_PAD with our test key), and encrypted messages cross between its
//! code and our sessions in both directions.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod harness;

use std::time::Instant;

use grammers_crypto::{AuthKey as TheirKey, DequeBuffer};
use harness::{answer_for, call, wall};
use mtproto::AuthKey;
use mtproto::crypto::{self, Direction};
use mtproto::handshake::ServerHandshake;
use mtproto::keys::RsaPrivateKey;
use mtproto::session::{ServerEvent, ServerSession, ServerSessionConfig};
use num_bigint::BigUint;
use proptest::prelude::*;
use sha1::{Digest, Sha1};
use tg_crypto::entropy::Entropy;
use tl_codec::{Reader, write};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn aes_ige_agrees(key in any::<[u8; 32]>(), iv in any::<[u8; 32]>(), blocks in prop::collection::vec(any::<[u8; 16]>(), 0..40)) {
        let plain: Vec<u8> = blocks.concat();
        let mut ours = plain.clone();
        crypto::ige_encrypt(&mut ours, &key, &iv).unwrap();
        let mut theirs = plain.clone();
        grammers_crypto::aes::ige_encrypt(&mut theirs, &key, &iv);
        prop_assert_eq!(&ours, &theirs);
        crypto::ige_decrypt(&mut ours, &key, &iv).unwrap();
        grammers_crypto::aes::ige_decrypt(&mut theirs, &key, &iv);
        prop_assert_eq!(&ours, &plain);
        prop_assert_eq!(&theirs, &plain);
    }

    #[test]
    fn tmp_aes_key_derivation_agrees(server_nonce in any::<[u8; 16]>(), new_nonce in any::<[u8; 32]>()) {
        let (key, iv) = crypto::tmp_aes_key_iv(&server_nonce, &new_nonce);
        let (their_key, their_iv) = grammers_crypto::generate_key_data_from_nonce(&server_nonce, &new_nonce);
        prop_assert_eq!(*key, their_key);
        prop_assert_eq!(*iv, their_iv);
    }

    #[test]
    fn messages_cross_both_ways(key in any::<[u8; 32]>(), words in prop::collection::vec(any::<u32>(), 8..200)) {
        let mut bytes = [0u8; 256];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = key[i % 32] ^ (i as u8);
        }
        let ours = AuthKey::from_bytes(bytes);
        let theirs = TheirKey::from_bytes(bytes);
        let plain: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        // Their client encrypts; we decrypt as the server.
        let mut buffer = DequeBuffer::with_capacity(plain.len() + 32, 24);
        buffer.extend(&plain);
        grammers_crypto::encrypt_data_v2(&mut buffer, &theirs);
        let decrypted = crypto::decrypt_message(&ours, Direction::ClientToServer, buffer.as_ref()).unwrap();
        prop_assert_eq!(&decrypted[..plain.len()], &plain[..]);
        // We encrypt as the server (with padding); they decrypt as the client.
        let mut padded = plain.clone();
        padded.resize(plain.len() + 12 + (16 - (plain.len() + 12) % 16) % 16, 0x5a);
        let mut packet = crypto::encrypt_message(&ours, Direction::ServerToClient, &padded).unwrap();
        let their_plain = grammers_crypto::decrypt_data_v2(&mut packet, &theirs).unwrap();
        prop_assert_eq!(&their_plain[..], &padded[..]);
    }
}

fn plain(msg_id: i64, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 8];
    out.extend_from_slice(&msg_id.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn body(packet: &[u8]) -> &[u8] {
    &packet[20..]
}

/// A handshake whose client side is grammers-crypto's primitives (factorisation, RSA_PAD with our
/// test key, the temporary key, AES-IGE, the new_nonce hash) and whose server is ours.
#[test]
fn a_client_made_of_grammers_primitives_creates_a_key_with_our_server() {
    let now = Instant::now();
    let key = RsaPrivateKey::test_only_server_key();
    let config = mtproto::handshake::ServerHandshakeConfig::new(key.clone());
    let mut server =
        ServerHandshake::new(config, now, wall(), Entropy::deterministic([3; 32])).unwrap();
    let time_id = |n: i64| ((1_800_000_000i64) << 32) + n * 4;

    // req_pq_multi
    let nonce = [0x11u8; 16];
    let mut req = Vec::new();
    write::u32(&mut req, 0xbe7e_8ef1);
    write::fixed(&mut req, &nonce);
    server.handle_packet(now, &plain(time_id(1), &req)).unwrap();
    let res_pq = server.poll_transmit().unwrap();
    let mut r = Reader::new(body(&res_pq));
    assert_eq!(r.u32().unwrap(), 0x0516_2463);
    assert_eq!(r.fixed::<16>().unwrap(), nonce);
    let server_nonce: [u8; 16] = r.fixed().unwrap();
    let pq_bytes = r.bytes().unwrap();
    let fingerprints = r.vector(Reader::i64).unwrap();
    assert_eq!(fingerprints, vec![key.fingerprint()]);

    // req_DH_params with their factorisation and their RSA_PAD
    let pq = pq_bytes.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
    let (p, q) = grammers_crypto::factorize(pq);
    let be = |x: u64| {
        let b = x.to_be_bytes();
        b[b.iter().position(|&x| x != 0).unwrap()..].to_vec()
    };
    let new_nonce = [0x22u8; 32];
    let mut inner = Vec::new();
    write::u32(&mut inner, 0xa9f5_5f95); // p_q_inner_data_dc
    write::bytes(&mut inner, &pq_bytes);
    write::bytes(&mut inner, &be(p));
    write::bytes(&mut inner, &be(q));
    write::fixed(&mut inner, &nonce);
    write::fixed(&mut inner, &server_nonce);
    write::fixed(&mut inner, &new_nonce);
    write::i32(&mut inner, 2);
    let n = BigUint::from_bytes_be(&key.public_key().modulus()).to_str_radix(10);
    let their_rsa = grammers_crypto::rsa::Key::new(&n, "65537").unwrap();
    let encrypted = grammers_crypto::rsa::encrypt_hashed(&inner, &their_rsa, &[0x33; 224]);
    let mut req = Vec::new();
    write::u32(&mut req, 0xd712_e4be);
    write::fixed(&mut req, &nonce);
    write::fixed(&mut req, &server_nonce);
    write::bytes(&mut req, &be(p));
    write::bytes(&mut req, &be(q));
    write::i64(&mut req, key.fingerprint());
    write::bytes(&mut req, &encrypted);
    server.handle_packet(now, &plain(time_id(2), &req)).unwrap();
    let params = server.poll_transmit().unwrap();
    let mut r = Reader::new(body(&params));
    assert_eq!(r.u32().unwrap(), 0xd0e8_075c, "server_DH_params_ok");
    r.fixed::<16>().unwrap();
    r.fixed::<16>().unwrap();
    let mut answer = r.bytes().unwrap();
    let (tmp_key, tmp_iv) =
        grammers_crypto::generate_key_data_from_nonce(&server_nonce, &new_nonce);
    grammers_crypto::aes::ige_decrypt(&mut answer, &tmp_key, &tmp_iv);
    let mut r = Reader::new(&answer[20..]);
    assert_eq!(r.u32().unwrap(), 0xb589_0dba);
    r.fixed::<16>().unwrap();
    r.fixed::<16>().unwrap();
    let g = r.i32().unwrap();
    let dh_prime = BigUint::from_bytes_be(&r.bytes().unwrap());
    let g_a = BigUint::from_bytes_be(&r.bytes().unwrap());
    r.i32().unwrap();
    let inner_len = answer.len() - 20 - r.remaining().len();
    assert_eq!(answer[..20], Sha1::digest(&answer[20..20 + inner_len])[..]);

    // set_client_DH_params
    let b = BigUint::from_bytes_be(&[0x44; 256]);
    let g_b = BigUint::from(g as u32).modpow(&b, &dh_prime);
    let auth_key_bytes: [u8; 256] = {
        let k = g_a.modpow(&b, &dh_prime).to_bytes_be();
        let mut out = [0u8; 256];
        out[256 - k.len()..].copy_from_slice(&k);
        out
    };
    let mut data = Vec::new();
    write::u32(&mut data, 0x6643_b654);
    write::fixed(&mut data, &nonce);
    write::fixed(&mut data, &server_nonce);
    write::i64(&mut data, 0);
    write::bytes(&mut data, &g_b.to_bytes_be());
    let mut hashed = Sha1::digest(&data).to_vec();
    hashed.extend_from_slice(&data);
    hashed.resize(hashed.len().div_ceil(16) * 16, 0);
    grammers_crypto::aes::ige_encrypt(&mut hashed, &tmp_key, &tmp_iv);
    let mut req = Vec::new();
    write::u32(&mut req, 0xf504_5f1f);
    write::fixed(&mut req, &nonce);
    write::fixed(&mut req, &server_nonce);
    write::bytes(&mut req, &hashed);
    server.handle_packet(now, &plain(time_id(3), &req)).unwrap();
    let dh_gen = server.poll_transmit().unwrap();
    let mut r = Reader::new(body(&dh_gen));
    assert_eq!(r.u32().unwrap(), 0x3bcb_f734, "dh_gen_ok");
    r.fixed::<16>().unwrap();
    r.fixed::<16>().unwrap();
    let theirs = TheirKey::from_bytes(auth_key_bytes);
    assert_eq!(
        r.fixed::<16>().unwrap(),
        theirs.calc_new_nonce_hash(&new_nonce, 1)
    );
    let ours = server.poll_outcome().unwrap();
    assert_eq!(ours.auth_key.to_bytes(), auth_key_bytes);
    assert_eq!(ours.dc, Some(2));
}

/// grammers-crypto encrypts a client message for our server session; our server's answer
/// decrypts with grammers-crypto.
#[test]
fn our_server_session_talks_with_grammers_encryption() {
    let now = Instant::now();
    let bytes: [u8; 256] = std::array::from_fn(|i| (i * 31 + 7) as u8);
    let salt = 0x0102_0304_0506_0708i64;
    let mut server = ServerSession::new(
        ServerSessionConfig::default(),
        AuthKey::from_bytes(bytes),
        salt,
        now,
        wall(),
        Entropy::deterministic([5; 32]),
    );
    let theirs = TheirKey::from_bytes(bytes);
    let session_id = 0x5e55_1011i64;
    let msg_id = (1_800_000_000i64 << 32) | 0x1000;
    let query = call(9, 6);
    let mut buffer = DequeBuffer::with_capacity(64 + query.len(), 24);
    buffer.extend(&salt.to_le_bytes());
    buffer.extend(&session_id.to_le_bytes());
    buffer.extend(&msg_id.to_le_bytes());
    buffer.extend(&1i32.to_le_bytes());
    buffer.extend(&(query.len() as u32).to_le_bytes());
    buffer.extend(&query);
    grammers_crypto::encrypt_data_v2(&mut buffer, &theirs);
    server.handle_packet(now, buffer.as_ref()).unwrap();
    assert_eq!(
        server.poll_event(),
        Some(ServerEvent::NewSession { session_id })
    );
    let Some(ServerEvent::Request(request)) = server.poll_event() else {
        panic!("no request")
    };
    assert_eq!(
        (request.body.clone(), request.msg_id),
        (query.clone(), msg_id)
    );
    server.respond(request.id, &answer_for(&query)).unwrap();
    let transmit = server.poll_transmit(now).unwrap();
    let mut packet = transmit.packet;
    let decrypted = grammers_crypto::decrypt_data_v2(&mut packet, &theirs).unwrap();
    let mut r = Reader::new(decrypted);
    assert_eq!(r.i64().unwrap(), salt);
    assert_eq!(r.i64().unwrap(), session_id);
    r.i64().unwrap();
    r.i32().unwrap();
    let len = r.i32().unwrap() as usize;
    let container = &r.remaining()[..len];
    // msg_container [new_session_created, rpc_result(msg_id, answer)]
    let mut r = Reader::new(container);
    assert_eq!(r.u32().unwrap(), 0x73f1_f8dc);
    assert_eq!(r.u32().unwrap(), 2);
    let mut found = false;
    for _ in 0..2 {
        r.i64().unwrap();
        r.i32().unwrap();
        let len = r.i32().unwrap() as usize;
        let inner = &r.remaining()[..len];
        if inner[..4] == 0xf35c_6d01u32.to_le_bytes() {
            assert_eq!(inner[4..12], msg_id.to_le_bytes());
            assert_eq!(inner[12..], answer_for(&query)[..]);
            found = true;
        }
        for _ in 0..len / 4 {
            r.u32().unwrap();
        }
    }
    assert!(found, "the rpc_result is in the container");
}
