//! The client's half of the handshake.

use std::time::{Duration, Instant, SystemTime};

use num_bigint::BigUint;
use tg_crypto::entropy::Entropy;
use tg_crypto::safe_prime::{canonical_p, validate_p};
use tracing::{debug, info, info_span};
use zeroize::Zeroizing;

use super::dh::DhGroup;
use super::pq::factor;
use super::{
    DEFAULT_RESEND_AFTER, HandshakeError, MAX_DH_RETRIES, NewAuthKey, check_hashed,
    check_public_value, first_salt, new_nonce_hash, plain_message, read_plain, with_hash,
};
use crate::auth_key::AuthKey;
use crate::clock::{Clock, MsgIdGenerator};
use crate::crypto::{ige_decrypt, ige_encrypt, rsa_pad, sha1, tmp_aes_key_iv};
use crate::error::UsageError;
use crate::keys::{RsaPublicKey, to_256};
use crate::random::Random;
use crate::tl::handshake::{
    ClientDhInnerData, DhGen, DhGenAnswer, PqInnerData, ReqDhParams, ReqPq, ResPq,
    ServerDhInnerData, ServerDhParams, SetClientDhParams, read_whole,
};

/// Which DC a client is creating a key for, and with which server keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeConfig {
    /// The DC id (1–5 on Telegram).
    pub dc_id: i32,
    /// Telegram's test servers: the DC is sent as `dc_id + 10000`.
    pub test_servers: bool,
    /// A media DC: the DC is sent negative.
    pub media: bool,
    /// `Some(expires_in)` creates a temporary key (`p_q_inner_data_temp_dc`) for that many seconds.
    pub temporary: Option<i32>,
    /// The servers' public keys; the first whose fingerprint the server offers is used.
    pub keys: Vec<RsaPublicKey>,
    /// How long to wait for an answer before sending the query again.
    pub resend_after: Duration,
    /// How many times a query is sent before the handshake gives up.
    pub max_attempts: u32,
}

impl HandshakeConfig {
    /// A permanent key for production DC `dc_id`, with Telegram's production key.
    #[must_use]
    pub fn production(dc_id: i32) -> Self {
        Self::with_keys(dc_id, vec![RsaPublicKey::telegram_production()])
    }

    /// A permanent key for test DC `dc_id`, with Telegram's test key.
    #[must_use]
    pub fn test_servers(dc_id: i32) -> Self {
        HandshakeConfig {
            test_servers: true,
            ..Self::with_keys(dc_id, vec![RsaPublicKey::telegram_test()])
        }
    }

    /// A permanent key for DC `dc_id` of a server with the given keys (a simulator, a proxy).
    #[must_use]
    pub fn with_keys(dc_id: i32, keys: Vec<RsaPublicKey>) -> Self {
        HandshakeConfig {
            dc_id,
            test_servers: false,
            media: false,
            temporary: None,
            keys,
            resend_after: DEFAULT_RESEND_AFTER,
            max_attempts: 3,
        }
    }

    /// The DC as the inner data writes it: +10000 on test servers, negative for media DCs.
    #[must_use]
    pub fn wire_dc(&self) -> i32 {
        let dc = if self.test_servers {
            self.dc_id.saturating_add(10_000)
        } else {
            self.dc_id
        };
        if self.media { -dc } else { dc }
    }
}

struct AwaitDhParams {
    server_nonce: [u8; 16],
    new_nonce: Zeroizing<[u8; 32]>,
}

struct AwaitDhGen {
    server_nonce: [u8; 16],
    new_nonce: Zeroizing<[u8; 32]>,
    tmp_key: Zeroizing<[u8; 32]>,
    tmp_iv: Zeroizing<[u8; 32]>,
    group: DhGroup,
    /// The server's public value, checked.
    g_a: [u8; 256],
    time_offset: i64,
    /// The key of the attempt in flight.
    auth_key: AuthKey,
    retries: u32,
}

enum Step {
    AwaitResPq,
    AwaitDhParams(AwaitDhParams),
    AwaitDhGen(Box<AwaitDhGen>),
    Finished,
}

/// The client's half of creating an authorization key (mtproto/auth_key).
///
/// Methods sort into getters ([`ClientHandshake::is_finished`]), input
/// ([`ClientHandshake::handle_packet`], [`ClientHandshake::handle_timeout`]) and output
/// ([`ClientHandshake::poll_transmit`], [`ClientHandshake::poll_timeout`],
/// [`ClientHandshake::poll_outcome`]). The crate documentation has a complete example.
pub struct ClientHandshake {
    config: HandshakeConfig,
    clock: Clock,
    /// Visible to the worked-example test, which scripts the draws step by step.
    pub(super) random: Random,
    msg_ids: MsgIdGenerator,
    nonce: [u8; 16],
    step: Step,
    transmit: Option<Vec<u8>>,
    last_sent: Option<Vec<u8>>,
    last_answer: Vec<u8>,
    deadline: Option<Instant>,
    attempts: u32,
    outcome: Option<NewAuthKey>,
    started: Instant,
    span: tracing::Span,
}

impl core::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("dc", &self.config.wire_dc())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl ClientHandshake {
    /// Starts a handshake at `now` (`wall` is the wall-clock time at that instant, for message
    /// ids); the first query (`req_pq_multi`) is ready in [`ClientHandshake::poll_transmit`].
    ///
    /// # Errors
    ///
    /// [`UsageError::NoServerKeys`] if `config` has no keys.
    pub fn new(
        config: HandshakeConfig,
        now: Instant,
        wall: SystemTime,
        entropy: Entropy,
    ) -> Result<Self, UsageError> {
        Self::with_random(config, now, wall, Random::from(entropy))
    }

    pub(crate) fn with_random(
        config: HandshakeConfig,
        now: Instant,
        wall: SystemTime,
        mut random: Random,
    ) -> Result<Self, UsageError> {
        if config.keys.is_empty() {
            return Err(UsageError::NoServerKeys);
        }
        let nonce = random.array();
        let span = info_span!("mtproto_handshake", side = "client", dc = config.wire_dc());
        let mut handshake = ClientHandshake {
            config,
            clock: Clock::new(now, wall),
            random,
            msg_ids: MsgIdGenerator::default(),
            nonce,
            step: Step::AwaitResPq,
            transmit: None,
            last_sent: None,
            last_answer: Vec::new(),
            deadline: None,
            attempts: 0,
            outcome: None,
            started: now,
            span,
        };
        let mut body = Vec::new();
        ReqPq { multi: true, nonce }.write(&mut body);
        handshake.queue(now, &body);
        Ok(handshake)
    }

    /// Whether the handshake is over (a key was made, or it failed).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.step, Step::Finished)
    }

    /// Handles one unencrypted packet from the server. Packets after the end are ignored, and
    /// so is an exact repeat of the last answer (the server repeats answers to repeated queries).
    ///
    /// # Errors
    ///
    /// A [`HandshakeError`]; the handshake is then over.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) -> Result<(), HandshakeError> {
        if self.is_finished() {
            return Ok(());
        }
        let span = self.span.clone();
        let _entered = span.enter();
        let result = read_plain(packet, true).and_then(|(_, body)| {
            if body == self.last_answer.as_slice() {
                return Ok(());
            }
            self.last_answer = body.to_vec();
            match std::mem::replace(&mut self.step, Step::Finished) {
                Step::AwaitResPq => self.on_res_pq(now, body),
                Step::AwaitDhParams(wait) => self.on_dh_params(now, body, wait),
                Step::AwaitDhGen(wait) => self.on_dh_gen(now, body, *wait),
                Step::Finished => Ok(()),
            }
        });
        if let Err(error) = &result {
            debug!(%error, "handshake failed");
            self.step = Step::Finished;
            self.transmit = None;
            self.deadline = None;
        }
        result
    }

    /// Sends the last query again if its answer is overdue, or gives up after
    /// [`HandshakeConfig::max_attempts`].
    ///
    /// # Errors
    ///
    /// [`HandshakeError::TimedOut`] when it gives up.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), HandshakeError> {
        match self.deadline {
            Some(deadline) if deadline <= now => {}
            _ => return Ok(()),
        }
        self.deadline = None;
        if self.attempts >= self.config.max_attempts {
            self.step = Step::Finished;
            return Err(HandshakeError::TimedOut);
        }
        self.transmit = self.last_sent.clone();
        Ok(())
    }

    /// The next packet to send (an unencrypted MTProto message, to be framed).
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        let packet = self.transmit.take()?;
        self.attempts += 1;
        // A resend interval past the end of time: never resend (the caller's timeout decides).
        self.deadline = now.checked_add(self.config.resend_after);
        self.last_sent = Some(packet.clone());
        Some(packet)
    }

    /// When [`ClientHandshake::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// The new key, once (it is handed out only once).
    pub fn poll_outcome(&mut self) -> Option<NewAuthKey> {
        self.outcome.take()
    }

    fn queue(&mut self, now: Instant, body: &[u8]) {
        let msg_id = self.msg_ids.next(self.clock.msg_id_time(now, 0), 0);
        self.transmit = Some(plain_message(msg_id, body));
        self.attempts = 0;
        self.deadline = None;
    }

    fn on_res_pq(&mut self, now: Instant, body: &[u8]) -> Result<(), HandshakeError> {
        let res = read_whole(body, ResPq::read)?;
        if res.nonce != self.nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        let key = res
            .fingerprints
            .iter()
            .find_map(|f| self.config.keys.iter().find(|k| k.fingerprint() == *f))
            .cloned()
            .ok_or_else(|| HandshakeError::NoKnownKey(res.fingerprints.clone()))?;
        if res.pq.len() > 8 {
            return Err(HandshakeError::BadPq);
        }
        let pq = res
            .pq
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let (p, q) = factor(pq).ok_or(HandshakeError::BadPq)?;
        let new_nonce = Zeroizing::new(self.random.array::<32>());
        let inner = PqInnerData {
            pq: res.pq.clone(),
            p: minimal_be(p),
            q: minimal_be(q),
            nonce: self.nonce,
            server_nonce: res.server_nonce,
            new_nonce: *new_nonce,
            dc: Some(self.config.wire_dc()),
            expires_in: self.config.temporary,
        };
        let mut data = Zeroizing::new(Vec::new());
        inner.write(&mut data);
        let encrypted = rsa_pad::encrypt(&data, &key, &mut self.random)
            .map_err(|_| HandshakeError::RsaPadFailed)?;
        let mut out = Vec::new();
        ReqDhParams {
            nonce: self.nonce,
            server_nonce: res.server_nonce,
            p: inner.p.clone(),
            q: inner.q.clone(),
            fingerprint: key.fingerprint(),
            encrypted_data: encrypted.to_vec(),
        }
        .write(&mut out);
        debug!(
            fingerprint = format_args!("{:#x}", key.fingerprint()),
            "resPQ: pq factored, sending req_DH_params"
        );
        self.step = Step::AwaitDhParams(AwaitDhParams {
            server_nonce: res.server_nonce,
            new_nonce,
        });
        self.queue(now, &out);
        Ok(())
    }

    fn check_nonces(
        &self,
        nonce: &[u8; 16],
        server_nonce: &[u8; 16],
        ours: &[u8; 16],
    ) -> Result<(), HandshakeError> {
        if *nonce != self.nonce || server_nonce != ours {
            return Err(HandshakeError::NonceMismatch);
        }
        Ok(())
    }

    fn on_dh_params(
        &mut self,
        now: Instant,
        body: &[u8],
        wait: AwaitDhParams,
    ) -> Result<(), HandshakeError> {
        let encrypted_answer = match read_whole(body, ServerDhParams::read)? {
            ServerDhParams::Fail {
                nonce,
                server_nonce,
                new_nonce_hash,
            } => {
                self.check_nonces(&nonce, &server_nonce, &wait.server_nonce)?;
                let expected = sha1(&[&wait.new_nonce[..]]);
                return Err(if new_nonce_hash[..] == expected[4..] {
                    HandshakeError::DhParamsFail
                } else {
                    HandshakeError::NewNonceHashMismatch
                });
            }
            ServerDhParams::Ok {
                nonce,
                server_nonce,
                encrypted_answer,
            } => {
                self.check_nonces(&nonce, &server_nonce, &wait.server_nonce)?;
                encrypted_answer
            }
        };
        let (tmp_key, tmp_iv) = tmp_aes_key_iv(&wait.server_nonce, &wait.new_nonce);
        let mut decrypted = Zeroizing::new(encrypted_answer);
        ige_decrypt(&mut decrypted, &tmp_key, &tmp_iv)
            .map_err(|_| HandshakeError::BadEncryptedData)?;
        let answer = check_hashed(&decrypted, ServerDhInnerData::read)?;
        self.check_nonces(&answer.nonce, &answer.server_nonce, &wait.server_nonce)?;
        validate_p(&answer.dh_prime)?;
        let group = DhGroup::new(&canonical_p(&answer.dh_prime)?, answer.g)?;
        let g_a = BigUint::from_bytes_be(&answer.g_a);
        check_public_value(&g_a, group.p())?;
        let time_offset = i64::from(answer.server_time) - self.clock.unix_secs(now);
        debug!(time_offset, "server_DH_params_ok: DH parameters checked");
        let placeholder = AuthKey::from_bytes([0; 256]);
        let wait = AwaitDhGen {
            server_nonce: wait.server_nonce,
            new_nonce: wait.new_nonce,
            tmp_key,
            tmp_iv,
            group,
            g_a: to_256(&g_a),
            time_offset,
            auth_key: placeholder,
            retries: 0,
        };
        self.send_client_dh(now, wait, 0)
    }

    /// Draws `b`, computes `g_b` and the key, and sends `set_client_DH_params`.
    fn send_client_dh(
        &mut self,
        now: Instant,
        mut wait: AwaitDhGen,
        retry_id: i64,
    ) -> Result<(), HandshakeError> {
        let b = wait.group.draw(&mut self.random)?;
        let shared = wait.group.shared_secret(&wait.g_a, b.exponent());
        wait.auth_key = AuthKey::from_bytes(*shared);
        let mut data = Vec::new();
        ClientDhInnerData {
            nonce: self.nonce,
            server_nonce: wait.server_nonce,
            retry_id,
            g_b: b.public.to_vec(),
        }
        .write(&mut data);
        let random = &mut self.random;
        let mut plain = Zeroizing::new(with_hash(&data, &mut |pad| random.fill(pad)));
        ige_encrypt(&mut plain, &wait.tmp_key, &wait.tmp_iv)
            .map_err(|_| HandshakeError::BadEncryptedData)?;
        let mut out = Vec::new();
        SetClientDhParams {
            nonce: self.nonce,
            server_nonce: wait.server_nonce,
            encrypted_data: plain.to_vec(),
        }
        .write(&mut out);
        self.step = Step::AwaitDhGen(Box::new(wait));
        self.queue(now, &out);
        Ok(())
    }

    fn on_dh_gen(
        &mut self,
        now: Instant,
        body: &[u8],
        mut wait: AwaitDhGen,
    ) -> Result<(), HandshakeError> {
        let answer = read_whole(body, DhGenAnswer::read)?;
        self.check_nonces(&answer.nonce, &answer.server_nonce, &wait.server_nonce)?;
        let expected = new_nonce_hash(&wait.new_nonce, answer.kind as u8, &wait.auth_key);
        if answer.new_nonce_hash != expected {
            return Err(HandshakeError::NewNonceHashMismatch);
        }
        match answer.kind {
            DhGen::Ok => {
                let elapsed = now.saturating_duration_since(self.started);
                info!(
                    auth_key_id = format_args!("{:#018x}", wait.auth_key.id()),
                    elapsed_ms = elapsed.as_millis() as u64,
                    retries = wait.retries,
                    "auth key created"
                );
                self.outcome = Some(NewAuthKey {
                    salt: first_salt(&wait.new_nonce, &wait.server_nonce),
                    auth_key: wait.auth_key.clone(),
                    time_offset: wait.time_offset,
                    dc: Some(self.config.wire_dc()),
                    expires_in: self.config.temporary,
                });
                self.step = Step::Finished;
                Ok(())
            }
            DhGen::Retry => {
                wait.retries += 1;
                if wait.retries > MAX_DH_RETRIES {
                    return Err(HandshakeError::TooManyRetries);
                }
                debug!(retries = wait.retries, "dh_gen_retry");
                let retry_id = i64::from_le_bytes(wait.auth_key.aux_hash());
                self.send_client_dh(now, wait, retry_id)
            }
            DhGen::Fail => Err(HandshakeError::DhGenFail),
        }
    }
}

/// A positive number as big-endian bytes without leading zeros (TL `bytes` of `p`, `q`).
pub(crate) fn minimal_be(x: u64) -> Vec<u8> {
    let bytes = x.to_be_bytes();
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(7);
    bytes[start..].to_vec()
}
