//! The server's half of the handshake.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use num_bigint::BigUint;
use tg_crypto::dh::check_generator;
use tg_crypto::entropy::Entropy;
use tg_crypto::safe_prime::{TELEGRAM_P, canonical_p, validate_p};
use tracing::{debug, info, info_span};
use zeroize::Zeroizing;

use super::client::minimal_be;
use super::dh::DhGroup;
use super::pq::random_pq;
use super::{
    HandshakeError, NewAuthKey, check_hashed, check_public_value, first_salt, new_nonce_hash,
    plain_message, read_plain, with_hash,
};
use crate::auth_key::AuthKey;
use crate::clock::{Clock, MsgIdGenerator};
use crate::crypto::{ige_decrypt, ige_encrypt, rsa_pad, tmp_aes_key_iv};
use crate::error::UsageError;
use crate::keys::{RsaPrivateKey, RsaPublicKey, to_256};
use crate::random::Random;
use crate::tl::handshake::{
    ClientDhInnerData, DhGen, DhGenAnswer, PqInnerData, ReqDhParams, ReqPq, ResPq,
    ServerDhInnerData, ServerDhParams, SetClientDhParams, read_prefix, read_whole,
};

/// What a server needs to run handshakes: its private keys and its DH group. Cheap to clone
/// (the keys are shared).
#[derive(Debug, Clone)]
pub struct ServerHandshakeConfig {
    keys: Vec<Arc<RsaPrivateKey>>,
    dh_prime: [u8; 256],
    g: i32,
    /// The DCs a client may name (empty: any).
    expected_dcs: Vec<i32>,
    retries_to_demand: u32,
}

impl ServerHandshakeConfig {
    /// A server with one private key, Telegram's `dh_prime` and `g = 3`.
    #[must_use]
    pub fn new(key: RsaPrivateKey) -> Self {
        ServerHandshakeConfig {
            keys: vec![Arc::new(key)],
            dh_prime: TELEGRAM_P,
            g: 3,
            expected_dcs: Vec::new(),
            retries_to_demand: 0,
        }
    }

    /// Adds another private key (servers offer several fingerprints).
    #[must_use]
    pub fn with_key(mut self, key: RsaPrivateKey) -> Self {
        self.keys.push(Arc::new(key));
        self
    }

    /// Uses another DH group; `dh_prime` must be a safe 2048-bit prime and `g` a generator of
    /// its prime-order subgroup, as clients check.
    ///
    /// # Errors
    ///
    /// [`UsageError::BadDhPrime`] or [`UsageError::BadGenerator`].
    pub fn with_dh_group(mut self, dh_prime: &[u8], g: i32) -> Result<Self, UsageError> {
        validate_p(dh_prime).map_err(UsageError::BadDhPrime)?;
        let canonical = canonical_p(dh_prime).map_err(UsageError::BadDhPrime)?;
        check_generator(g, &BigUint::from_bytes_be(&canonical))
            .map_err(UsageError::BadGenerator)?;
        self.dh_prime = canonical;
        self.g = g;
        Ok(self)
    }

    /// Refuses inner data for any other DC than `dc` (as the client writes it: +10000 on test
    /// servers) with [`HandshakeError::WrongDc`], whose transport code is `-444`.
    #[must_use]
    pub fn expect_dc(self, dc: i32) -> Self {
        self.expect_dcs([dc])
    }

    /// Like [`ServerHandshakeConfig::expect_dc`], accepting any of `dcs` (a server that
    /// answers both as DC `n` and as test DC `n + 10000`, as a simulator may). The first is the
    /// one [`HandshakeError::WrongDc`] names.
    #[must_use]
    pub fn expect_dcs(mut self, dcs: impl IntoIterator<Item = i32>) -> Self {
        self.expected_dcs = dcs.into_iter().collect();
        self
    }

    /// Answers the first `n` `set_client_DH_params` of each handshake with `dh_gen_retry`, so
    /// tests can drive a client through its retry path.
    #[must_use]
    pub fn demand_retries(mut self, n: u32) -> Self {
        self.retries_to_demand = n;
        self
    }

    /// The public keys clients need.
    #[must_use]
    pub fn public_keys(&self) -> Vec<RsaPublicKey> {
        self.keys.iter().map(|k| k.public_key().clone()).collect()
    }
}

struct AwaitReqDh {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    p: u64,
    q: u64,
}

struct AwaitClientDh {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: Zeroizing<[u8; 32]>,
    tmp_key: Zeroizing<[u8; 32]>,
    tmp_iv: Zeroizing<[u8; 32]>,
    a: Zeroizing<[u8; 256]>,
    dc: Option<i32>,
    expires_in: Option<i32>,
    retry_id: i64,
    retries_left: u32,
}

enum Step {
    AwaitReqPq,
    AwaitReqDh(AwaitReqDh),
    AwaitClientDh(Box<AwaitClientDh>),
    Finished,
}

/// The server's half of creating an authorization key, for one connection.
///
/// Methods sort into getters ([`ServerHandshake::is_finished`]), input
/// ([`ServerHandshake::handle_packet`]) and output ([`ServerHandshake::poll_transmit`],
/// [`ServerHandshake::poll_outcome`]). On a [`HandshakeError`] the server should send the
/// error's [`HandshakeError::transport_code`] (after whatever `poll_transmit` still holds, such
/// as a `dh_gen_fail`).
pub struct ServerHandshake {
    config: ServerHandshakeConfig,
    clock: Clock,
    random: Random,
    msg_ids: MsgIdGenerator,
    step: Step,
    transmit: VecDeque<Vec<u8>>,
    /// The last query and its answer: an identical query gets the same answer again.
    last: Option<(Vec<u8>, Vec<u8>)>,
    outcome: Option<NewAuthKey>,
    started: Instant,
    span: tracing::Span,
}

impl core::fmt::Debug for ServerHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHandshake")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl ServerHandshake {
    /// A handshake waiting for a client's `req_pq_multi` (or `req_pq`).
    ///
    /// # Errors
    ///
    /// [`UsageError::NoPrivateKeys`] if `config` has no key.
    pub fn new(
        config: ServerHandshakeConfig,
        now: Instant,
        wall: SystemTime,
        entropy: Entropy,
    ) -> Result<Self, UsageError> {
        if config.keys.is_empty() {
            return Err(UsageError::NoPrivateKeys);
        }
        Ok(ServerHandshake {
            config,
            clock: Clock::new(now, wall),
            random: Random::from(entropy),
            msg_ids: MsgIdGenerator::default(),
            step: Step::AwaitReqPq,
            transmit: VecDeque::new(),
            last: None,
            outcome: None,
            started: now,
            span: info_span!("mtproto_handshake", side = "server"),
        })
    }

    /// Whether the handshake is over (a key was made, or it failed).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.step, Step::Finished)
    }

    /// Handles one unencrypted packet from the client.
    ///
    /// # Errors
    ///
    /// A [`HandshakeError`]; the handshake is then over (a `dh_gen_fail` may still wait in
    /// [`ServerHandshake::poll_transmit`]).
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) -> Result<(), HandshakeError> {
        let span = self.span.clone();
        let _entered = span.enter();
        let (_, body) = read_plain(packet, false)?;
        if let Some((query, answer)) = &self.last
            && query == body
        {
            self.transmit.push_back(answer.clone());
            return Ok(());
        }
        if self.is_finished() {
            return Err(HandshakeError::Unexpected);
        }
        let result = match std::mem::replace(&mut self.step, Step::Finished) {
            // A client may start over on the same connection.
            _ if ReqPq::read(&mut tl_codec::Reader::new(body)).is_ok() => self.on_req_pq(now, body),
            Step::AwaitReqDh(wait) => self.on_req_dh(now, body, wait),
            Step::AwaitClientDh(wait) => self.on_client_dh(now, body, *wait),
            Step::AwaitReqPq | Step::Finished => Err(HandshakeError::Unexpected),
        };
        if let Err(error) = &result {
            debug!(%error, "handshake refused");
            self.step = Step::Finished;
        }
        result
    }

    /// The next packet to send (an unencrypted MTProto message, to be framed).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The new key, once (it is handed out only once).
    pub fn poll_outcome(&mut self) -> Option<NewAuthKey> {
        self.outcome.take()
    }

    fn answer(&mut self, now: Instant, query: &[u8], body: &[u8]) {
        let msg_id = self.msg_ids.next(self.clock.msg_id_time(now, 0), 1);
        let packet = plain_message(msg_id, body);
        self.last = Some((query.to_vec(), packet.clone()));
        self.transmit.push_back(packet);
    }

    fn on_req_pq(&mut self, now: Instant, body: &[u8]) -> Result<(), HandshakeError> {
        let req = read_whole(body, ReqPq::read)?;
        let server_nonce = self.random.array();
        let (p, q) = random_pq(&mut self.random);
        let mut out = Vec::new();
        ResPq {
            nonce: req.nonce,
            server_nonce,
            pq: minimal_be(p * q),
            fingerprints: self.config.keys.iter().map(|k| k.fingerprint()).collect(),
        }
        .write(&mut out);
        self.step = Step::AwaitReqDh(AwaitReqDh {
            nonce: req.nonce,
            server_nonce,
            p,
            q,
        });
        self.answer(now, body, &out);
        Ok(())
    }

    fn decrypt_inner(
        &self,
        key: &RsaPrivateKey,
        encrypted: &[u8],
    ) -> Result<PqInnerData, HandshakeError> {
        if let Some(padded) = rsa_pad::decrypt(encrypted, key) {
            let (inner, _) = read_prefix(&padded[..], PqInnerData::read)?;
            return Ok(inner);
        }
        // The legacy scheme: SHA1(data) + data + padding to 255 bytes. The hash covers exactly
        // the object, whose length its own encoding tells.
        let block =
            rsa_pad::decrypt_legacy(encrypted, key).ok_or(HandshakeError::BadEncryptedData)?;
        let (inner, len) = read_prefix(&block[20..], PqInnerData::read)?;
        if crate::crypto::sha1(&[&block[20..20 + len]]) != block[..20] {
            return Err(HandshakeError::BadEncryptedData);
        }
        Ok(inner)
    }

    fn on_req_dh(
        &mut self,
        now: Instant,
        body: &[u8],
        wait: AwaitReqDh,
    ) -> Result<(), HandshakeError> {
        let req = read_whole(body, ReqDhParams::read)?;
        if req.nonce != wait.nonce || req.server_nonce != wait.server_nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        if req.p != minimal_be(wait.p) || req.q != minimal_be(wait.q) {
            return Err(HandshakeError::WrongFactors);
        }
        let key = self
            .config
            .keys
            .iter()
            .find(|k| k.fingerprint() == req.fingerprint)
            .cloned()
            .ok_or(HandshakeError::UnknownFingerprint(req.fingerprint))?;
        let inner = self.decrypt_inner(&key, &req.encrypted_data)?;
        if inner.pq != minimal_be(wait.p * wait.q)
            || inner.p != req.p
            || inner.q != req.q
            || inner.nonce != wait.nonce
            || inner.server_nonce != wait.server_nonce
        {
            return Err(HandshakeError::InnerDataMismatch);
        }
        if let Some(&expected) = self.config.expected_dcs.first()
            && !inner
                .dc
                .is_some_and(|dc| self.config.expected_dcs.contains(&dc))
        {
            return Err(HandshakeError::WrongDc {
                expected,
                found: inner.dc.unwrap_or(0),
            });
        }
        let new_nonce = Zeroizing::new(inner.new_nonce);
        let a = DhGroup::new(&self.config.dh_prime, self.config.g)?.draw(&mut self.random)?;
        let mut answer = Vec::new();
        ServerDhInnerData {
            nonce: wait.nonce,
            server_nonce: wait.server_nonce,
            g: self.config.g,
            dh_prime: self.config.dh_prime.to_vec(),
            g_a: a.public.to_vec(),
            server_time: i32::try_from(self.clock.unix_secs(now)).unwrap_or(i32::MAX),
        }
        .write(&mut answer);
        let (tmp_key, tmp_iv) = tmp_aes_key_iv(&wait.server_nonce, &new_nonce);
        let random = &mut self.random;
        let mut encrypted = with_hash(&answer, &mut |pad| random.fill(pad));
        ige_encrypt(&mut encrypted, &tmp_key, &tmp_iv)
            .map_err(|_| HandshakeError::BadEncryptedData)?;
        let mut out = Vec::new();
        ServerDhParams::Ok {
            nonce: wait.nonce,
            server_nonce: wait.server_nonce,
            encrypted_answer: encrypted,
        }
        .write(&mut out);
        debug!(
            dc = inner.dc,
            temporary = inner.expires_in.is_some(),
            "req_DH_params accepted"
        );
        self.step = Step::AwaitClientDh(Box::new(AwaitClientDh {
            nonce: wait.nonce,
            server_nonce: wait.server_nonce,
            new_nonce,
            tmp_key,
            tmp_iv,
            a: a.into_exponent(),
            dc: inner.dc,
            expires_in: inner.expires_in,
            retry_id: 0,
            retries_left: self.config.retries_to_demand,
        }));
        self.answer(now, body, &out);
        Ok(())
    }

    fn on_client_dh(
        &mut self,
        now: Instant,
        body: &[u8],
        mut wait: AwaitClientDh,
    ) -> Result<(), HandshakeError> {
        let req = read_whole(body, SetClientDhParams::read)?;
        if req.nonce != wait.nonce || req.server_nonce != wait.server_nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        let mut decrypted = Zeroizing::new(req.encrypted_data);
        ige_decrypt(&mut decrypted, &wait.tmp_key, &wait.tmp_iv)
            .map_err(|_| HandshakeError::BadEncryptedData)?;
        let inner = check_hashed(&decrypted, ClientDhInnerData::read)?;
        if inner.nonce != wait.nonce || inner.server_nonce != wait.server_nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        if inner.retry_id != wait.retry_id {
            return Err(HandshakeError::BadRetryId);
        }
        let group = DhGroup::new(&self.config.dh_prime, self.config.g)?;
        let g_b = BigUint::from_bytes_be(&inner.g_b);
        // g_b is public and may come longer than p: reduce it before the constant-time power.
        let shared = group.shared_secret(&to_256(&(&g_b % group.p())), &wait.a);
        let auth_key = AuthKey::from_bytes(*shared);
        let kind = if check_public_value(&g_b, group.p()).is_err() {
            DhGen::Fail
        } else if wait.retries_left > 0 {
            DhGen::Retry
        } else {
            DhGen::Ok
        };
        let mut out = Vec::new();
        DhGenAnswer {
            kind,
            nonce: wait.nonce,
            server_nonce: wait.server_nonce,
            new_nonce_hash: new_nonce_hash(&wait.new_nonce, kind as u8, &auth_key),
        }
        .write(&mut out);
        self.answer(now, body, &out);
        match kind {
            DhGen::Fail => Err(HandshakeError::BadPublicValue),
            DhGen::Retry => {
                wait.retries_left -= 1;
                wait.retry_id = i64::from_le_bytes(auth_key.aux_hash());
                self.step = Step::AwaitClientDh(Box::new(wait));
                Ok(())
            }
            DhGen::Ok => {
                info!(
                    auth_key_id = format_args!("{:#018x}", auth_key.id()),
                    dc = wait.dc,
                    elapsed_ms = now.saturating_duration_since(self.started).as_millis() as u64,
                    "auth key created"
                );
                self.outcome = Some(NewAuthKey {
                    salt: first_salt(&wait.new_nonce, &wait.server_nonce),
                    auth_key,
                    time_offset: 0,
                    dc: wait.dc,
                    expires_in: wait.expires_in,
                });
                self.step = Step::Finished;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use crate::handshake::pq::factor;
    use std::time::Duration;

    const NONCE: [u8; 16] = [7; 16];
    const NEW_NONCE: [u8; 32] = [5; 32];

    /// A server that has answered `req_pq` and been sent `req_DH_params` with inner data
    /// encrypted by `encrypt` (one byte flipped if `corrupt`); its `server_nonce` and how it took
    /// the query.
    fn after_req_dh(
        encrypt: impl Fn(&[u8], &RsaPublicKey) -> Vec<u8>,
        corrupt: bool,
    ) -> (ServerHandshake, [u8; 16], Result<(), HandshakeError>) {
        let now = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let key = RsaPrivateKey::test_only_server_key();
        let mut server = ServerHandshake::new(
            ServerHandshakeConfig::new(key.clone()),
            now,
            wall,
            Entropy::deterministic([9; 32]),
        )
        .unwrap();
        let mut body = Vec::new();
        ReqPq {
            multi: false,
            nonce: NONCE,
        }
        .write(&mut body);
        server
            .handle_packet(now, &plain_message(4 << 32, &body))
            .unwrap();
        let res = read_whole(&server.poll_transmit().unwrap()[20..], ResPq::read).unwrap();
        let pq = res.pq.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
        let (p, q) = factor(pq).unwrap();
        let mut data = Vec::new();
        PqInnerData {
            pq: res.pq.clone(),
            p: minimal_be(p),
            q: minimal_be(q),
            nonce: NONCE,
            server_nonce: res.server_nonce,
            new_nonce: NEW_NONCE,
            dc: None,
            expires_in: None,
        }
        .write(&mut data);
        let mut encrypted = encrypt(&data, key.public_key());
        if corrupt {
            encrypted[100] ^= 1;
        }
        let mut body = Vec::new();
        ReqDhParams {
            nonce: NONCE,
            server_nonce: res.server_nonce,
            p: minimal_be(p),
            q: minimal_be(q),
            fingerprint: key.fingerprint(),
            encrypted_data: encrypted,
        }
        .write(&mut body);
        let taken = server.handle_packet(now, &plain_message(8 << 32, &body));
        (server, res.server_nonce, taken)
    }

    /// RSA_PAD with a fixed seed, as a client encrypts its inner data.
    fn rsa_pad_encrypt(data: &[u8], key: &RsaPublicKey) -> Vec<u8> {
        let mut random = Random::from(Entropy::deterministic([4; 32]));
        rsa_pad::encrypt(data, key, &mut random).unwrap().to_vec()
    }

    /// As [`after_req_dh`], then decrypts the server's `server_DH_inner_data`.
    fn dh_params_with(
        encrypt: impl Fn(&[u8], &RsaPublicKey) -> Vec<u8>,
        corrupt: bool,
    ) -> Result<ServerDhInnerData, HandshakeError> {
        let (mut server, server_nonce, taken) = after_req_dh(encrypt, corrupt);
        taken?;
        let ServerDhParams::Ok {
            encrypted_answer, ..
        } = read_whole(&server.poll_transmit().unwrap()[20..], ServerDhParams::read).unwrap()
        else {
            panic!("not server_DH_params_ok")
        };
        let (tmp_key, tmp_iv) = tmp_aes_key_iv(&server_nonce, &NEW_NONCE);
        let mut answer = encrypted_answer;
        ige_decrypt(&mut answer, &tmp_key, &tmp_iv).unwrap();
        let inner = check_hashed(&answer, ServerDhInnerData::read)?;
        assert_eq!(inner.server_time, 1_800_000_000);
        assert_eq!(inner.g, 3);
        Ok(inner)
    }

    #[test]
    fn the_legacy_rsa_scheme_is_still_accepted() {
        let legacy =
            |data: &[u8], key: &RsaPublicKey| rsa_pad::encrypt_legacy(data, key, 0x33).to_vec();
        assert!(dh_params_with(legacy, false).is_ok());
        assert_eq!(
            dh_params_with(legacy, true).unwrap_err(),
            HandshakeError::BadEncryptedData
        );
    }

    #[test]
    fn rsa_pad_is_accepted() {
        let inner = dh_params_with(rsa_pad_encrypt, false).unwrap();
        assert_eq!(inner.dh_prime, TELEGRAM_P.to_vec());
        assert_eq!(
            dh_params_with(rsa_pad_encrypt, true).unwrap_err(),
            HandshakeError::BadEncryptedData
        );
    }

    #[test]
    fn an_out_of_range_g_b_gets_dh_gen_fail() {
        let (mut server, server_nonce, taken) = after_req_dh(rsa_pad_encrypt, false);
        taken.unwrap();
        server.poll_transmit().unwrap();
        // g_b = 2: inside (1, p − 1) but far below the safe range.
        let mut inner = Vec::new();
        ClientDhInnerData {
            nonce: NONCE,
            server_nonce,
            retry_id: 0,
            g_b: vec![2],
        }
        .write(&mut inner);
        let (tmp_key, tmp_iv) = tmp_aes_key_iv(&server_nonce, &NEW_NONCE);
        let mut encrypted = with_hash(&inner, &mut |pad| pad.fill(0));
        ige_encrypt(&mut encrypted, &tmp_key, &tmp_iv).unwrap();
        let mut body = Vec::new();
        SetClientDhParams {
            nonce: NONCE,
            server_nonce,
            encrypted_data: encrypted,
        }
        .write(&mut body);
        assert_eq!(
            server.handle_packet(Instant::now(), &plain_message(12 << 32, &body)),
            Err(HandshakeError::BadPublicValue)
        );
        let answer = read_whole(&server.poll_transmit().unwrap()[20..], DhGenAnswer::read).unwrap();
        assert_eq!(answer.kind, DhGen::Fail);
        assert!(server.poll_outcome().is_none());
        assert!(server.is_finished());
    }

    #[test]
    fn a_bad_dh_group_is_a_usage_error() {
        let config = ServerHandshakeConfig::new(RsaPrivateKey::test_only_server_key());
        let mut even = TELEGRAM_P;
        even[255] ^= 1;
        assert!(matches!(
            config.clone().with_dh_group(&even, 3),
            Err(UsageError::BadDhPrime(_))
        ));
        assert!(matches!(
            config.with_dh_group(&TELEGRAM_P, 5),
            Err(UsageError::BadGenerator(_))
        ));
    }
}
