//! Snapshot and resume of a login that waits for the user (feature `serde`).
//!
//! A web backend sends the code in one request and signs in in another: between the two, the
//! login is a [`Snapshot`]. It names the data center and the auth key the login ran on,
//! because a `phone_code_hash` only works on the key that asked for it; resuming on another key
//! is refused. Deadlines are stored relative to the `now` given when snapshotting. No SRP
//! secret is stored: a login waiting for the password fetches a fresh challenge on resume.
//! Entropy is never carried over: resuming draws from the caller's generator again.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use rand_core::CryptoRng;

use crate::{
    DcId,
    account::{EmailCode, PasswordInfo, TermsOfService},
    error::UsageError,
    phase::Phase,
    tl,
};

use super::{
    CodeKind, CodeState, Config, Login, NextCodeKind, PasswordFetch, PasswordState, Request,
    SentCode,
};

/// The format version written by this code.
const VERSION: u32 = 1;

/// A login paused while it waits for the user. See the [module docs](self).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Format version.
    pub version: u32,
    /// The phone number, digits only.
    pub phone: String,
    /// The data center the login runs on.
    pub dc: DcId,
    /// The auth key (id) the login's requests went through on `dc`.
    pub auth_key_id: u64,
    phase: Phase,
    code: Option<CodeSnapshot>,
    terms: Option<TermsSnapshot>,
    password: Option<PasswordSnapshot>,
    email_attempts: u32,
    email_code: Option<(String, u32)>,
    migrations: u32,
    restarts: u32,
    flood_waits: u32,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("version", &self.version)
            .field("phone", &self.phone)
            .field("dc", &self.dc)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CodeSnapshot {
    phone_code_hash: String,
    kind: CodeKind,
    next: Option<NextCodeKind>,
    timeout: Option<Duration>,
    resend_in: Option<Duration>,
    resend_announced: bool,
    expired: bool,
    attempts: u32,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
struct TermsSnapshot {
    id: String,
    text: String,
    /// Each entity as boxed TL bytes.
    entities: Vec<Vec<u8>>,
    min_age_confirm: Option<i32>,
    popup: bool,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PasswordSnapshot {
    hint: Option<String>,
    has_recovery: bool,
    email_unconfirmed_pattern: Option<String>,
    login_email_pattern: Option<String>,
    pending_reset_date: Option<i64>,
    attempts: u32,
}

/// Why a snapshot could not be resumed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResumeError {
    /// The snapshot was taken on another auth key: its code hash is useless on this one.
    #[error("the snapshot is bound to auth key {expected:#x} on {dc}, not {got:#x}")]
    WrongAuthKey {
        /// The data center of the snapshot.
        dc: DcId,
        /// The key it is bound to.
        expected: u64,
        /// The key offered.
        got: u64,
    },
    /// Written by a newer version of this library.
    #[error("unsupported snapshot version {0}")]
    UnsupportedVersion(u32),
    /// The snapshot's contents contradict each other or do not decode.
    #[error("invalid snapshot: {0}")]
    Invalid(&'static str),
    /// The configuration is unusable.
    #[error(transparent)]
    Usage(#[from] UsageError),
}

impl Login {
    /// Captures the login while it waits for the user (code, sign-up, password, email). The
    /// caller names the auth key its session used on [`home_dc`](Self::home_dc).
    ///
    /// # Errors
    ///
    /// [`UsageError::NotSnapshotable`] while the login is busy (or has events undrained).
    pub fn snapshot(&self, now: Instant, auth_key_id: u64) -> Result<Snapshot, UsageError> {
        if !matches!(
            self.phase,
            Phase::AwaitingCode
                | Phase::AwaitingSignUp
                | Phase::AwaitingPassword
                | Phase::AwaitingEmail
                | Phase::AwaitingEmailCode
        ) || !self.events.is_empty()
            || !self.transmits.is_empty()
        {
            return Err(UsageError::NotSnapshotable);
        }
        Ok(Snapshot {
            version: VERSION,
            phone: self.phone.clone(),
            dc: self.home_dc,
            auth_key_id,
            phase: self.phase,
            code: self.code.as_ref().map(|c| CodeSnapshot {
                phone_code_hash: c.phone_code_hash.to_string(),
                kind: c.sent.kind.clone(),
                next: c.sent.next,
                timeout: c.sent.timeout,
                resend_in: c.resend_at.map(|at| at.saturating_duration_since(now)),
                resend_announced: c.resend_announced,
                expired: c.expired,
                attempts: c.attempts,
            }),
            terms: self.terms.as_ref().map(|t| TermsSnapshot {
                id: t.id.clone(),
                text: t.text.clone(),
                entities: t.entities.iter().map(tl::Serialize::to_bytes).collect(),
                min_age_confirm: t.min_age_confirm,
                popup: t.popup,
            }),
            password: self.password.as_ref().map(|p| PasswordSnapshot {
                hint: p.info.hint.clone(),
                has_recovery: p.info.has_recovery,
                email_unconfirmed_pattern: p.info.email_unconfirmed_pattern.clone(),
                login_email_pattern: p.info.login_email_pattern.clone(),
                pending_reset_date: p.info.pending_reset_date,
                attempts: p.attempts,
            }),
            email_attempts: self.email_attempts,
            email_code: self
                .email_code
                .as_ref()
                .map(|c| (c.email_pattern.clone(), c.length)),
            migrations: self.migrations,
            restarts: self.restarts,
            flood_waits: self.flood_waits,
        })
    }

    /// Resumes a snapshot on the session whose key on `snapshot.dc` is `auth_key_id`, with
    /// fresh entropy from `rng`. A login that waited for the password queues
    /// `account.getPassword` for a new challenge and asks for the password again.
    ///
    /// # Errors
    ///
    /// [`ResumeError`]: another key, a newer format, contradictions, or an unusable `config`.
    pub fn resume<R: CryptoRng + ?Sized>(
        snapshot: Snapshot,
        config: Config,
        auth_key_id: u64,
        rng: &mut R,
        now: Instant,
    ) -> Result<Self, ResumeError> {
        if snapshot.version != VERSION {
            return Err(ResumeError::UnsupportedVersion(snapshot.version));
        }
        if snapshot.auth_key_id != auth_key_id {
            return Err(ResumeError::WrongAuthKey {
                dc: snapshot.dc,
                expected: snapshot.auth_key_id,
                got: auth_key_id,
            });
        }
        let mut login = Login::new(config, &snapshot.phone, rng, now)?;
        // `new` queued auth.sendCode: a resumed login continues instead.
        login.transmits.clear();
        login.in_flight = None;
        login.next_id = 0;
        login.home_dc = snapshot.dc;
        login.code = match snapshot.code {
            Some(c) => {
                if c.phone_code_hash.is_empty() {
                    return Err(ResumeError::Invalid("empty phone_code_hash"));
                }
                Some(CodeState {
                    phone_code_hash: Zeroizing::new(c.phone_code_hash),
                    sent: SentCode {
                        kind: c.kind,
                        next: c.next,
                        timeout: c.timeout,
                    },
                    resend_at: match c.resend_in {
                        Some(d) => Some(
                            now.checked_add(d)
                                .ok_or(ResumeError::Invalid("resend timeout out of range"))?,
                        ),
                        None => None,
                    },
                    resend_announced: c.resend_announced,
                    expired: c.expired,
                    attempts: c.attempts,
                    awaiting_integrity: false,
                })
            }
            None => None,
        };
        if let Some(t) = snapshot.terms {
            let mut entities = Vec::with_capacity(t.entities.len());
            for e in &t.entities {
                entities.push(tl::decode(e).map_err(|_| ResumeError::Invalid("terms entity"))?);
            }
            login.terms = Some(TermsOfService {
                id: t.id,
                text: t.text,
                entities,
                min_age_confirm: t.min_age_confirm,
                popup: t.popup,
            });
        }
        login.password = snapshot.password.map(|p| PasswordState {
            info: PasswordInfo {
                hint: p.hint,
                has_recovery: p.has_recovery,
                email_unconfirmed_pattern: p.email_unconfirmed_pattern,
                login_email_pattern: p.login_email_pattern,
                pending_reset_date: p.pending_reset_date,
            },
            challenge: None,
            attempts: p.attempts,
            renewals: 0,
            typed: None,
        });
        login.email_attempts = snapshot.email_attempts;
        login.email_code = snapshot
            .email_code
            .map(|(email_pattern, length)| EmailCode {
                email_pattern,
                length,
            });
        login.migrations = snapshot.migrations;
        login.restarts = snapshot.restarts;
        login.flood_waits = snapshot.flood_waits;
        login.events = VecDeque::new();
        let needs_code = matches!(
            snapshot.phase,
            Phase::AwaitingCode
                | Phase::AwaitingSignUp
                | Phase::AwaitingEmail
                | Phase::AwaitingEmailCode
        );
        if needs_code && login.code.is_none() {
            return Err(ResumeError::Invalid("phase needs a sent code"));
        }
        match snapshot.phase {
            Phase::AwaitingPassword => {
                if login.password.is_none() {
                    return Err(ResumeError::Invalid("password phase without password info"));
                }
                login.send(now, Request::GetPassword(PasswordFetch::First));
            }
            Phase::AwaitingCode
            | Phase::AwaitingSignUp
            | Phase::AwaitingEmail
            | Phase::AwaitingEmailCode => login.phase = snapshot.phase,
            _ => return Err(ResumeError::Invalid("not a resumable phase")),
        }
        Ok(login)
    }
}

#[cfg(test)]
// The tests stand in for the caller, who owns the clock.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use crate::tl::{Serialize as _, enums, functions, types};

    use crate::entropy::Entropy;

    fn seeded(n: u8) -> Entropy {
        Entropy::deterministic([n; 32])
    }

    fn sent_code_reply() -> Vec<u8> {
        enums::auth::SentCode::from(types::auth::SentCode {
            r#type: types::auth::SentCodeTypeSms { length: 5 }.into(),
            phone_code_hash: "h1".into(),
            next_type: Some(types::auth::CodeTypeCall {}.into()),
            timeout: Some(60),
        })
        .to_bytes()
    }

    fn waiting_for_code(now: Instant) -> Login {
        let mut login = Login::new(Config::new(1, "h"), "9996621234", &mut seeded(1), now).unwrap();
        let t = login.poll_transmit().unwrap();
        login
            .handle_response(now, t.id, &sent_code_reply())
            .unwrap();
        while login.poll_event().is_some() {}
        login
    }

    #[test]
    fn code_phase_roundtrips_through_json_and_keeps_relative_deadlines() {
        let t0 = Instant::now();
        let login = waiting_for_code(t0);
        let snap = login.snapshot(t0 + Duration::from_secs(20), 0xabc).unwrap();
        let json = serde_json::to_string(&snap).unwrap();
        assert!(!json.contains("entropy"));
        let back: Snapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, snap);

        // Resumed later in another process: 40 s of the resend timeout remain.
        let t1 = t0 + Duration::from_secs(3600);
        let mut resumed =
            Login::resume(back, Config::new(1, "h"), 0xabc, &mut seeded(2), t1).unwrap();
        assert_eq!(resumed.phase(), Phase::AwaitingCode);
        assert_eq!(resumed.resend_at(), Some(t1 + Duration::from_secs(40)));
        assert!(resumed.poll_transmit().is_none());
        resumed.submit_code(t1, "22222").unwrap();
        let t = resumed.poll_transmit().unwrap();
        let call: functions::auth::SignIn = crate::tl::decode(&t.body).unwrap();
        assert_eq!(call.phone_code_hash, "h1");
    }

    #[test]
    fn password_phase_resumes_with_a_fresh_challenge_request() {
        let t0 = Instant::now();
        let mut login = Login::new(Config::new(1, "h"), "9996621234", &mut seeded(1), t0).unwrap();
        let t = login.poll_transmit().unwrap();
        // A logout token matched a 2FA account.
        let err = crate::RpcError::new(401, "SESSION_PASSWORD_NEEDED").to_bytes();
        login.handle_response(t0, t.id, &err).unwrap();
        let t = login.poll_transmit().unwrap();
        let server = crate::srp::SrpVerifier::from_password(
            &crate::srp::SrpAlgo {
                salt1: vec![1; 8],
                salt2: vec![2; 8],
                g: 3,
                p: crate::srp::TELEGRAM_P.to_vec(),
            },
            b"pw",
        )
        .unwrap()
        .start(&mut Entropy::deterministic([3; 32]))
        .unwrap();
        let reply = enums::account::Password::from(types::account::Password {
            srp: Some(types::account::PasswordSrp {
                current_algo:
                    types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
                        salt1: vec![1; 8],
                        salt2: vec![2; 8],
                        g: 3,
                        p: crate::srp::TELEGRAM_P.to_vec(),
                    }
                    .into(),
                srp_b: server.srp_b().to_vec(),
                srp_id: 5,
            }),
            hint: Some("hint".into()),
            ..Default::default()
        });
        login.handle_response(t0, t.id, &reply.to_bytes()).unwrap();
        while login.poll_event().is_some() {}
        assert_eq!(login.phase(), Phase::AwaitingPassword);
        let snap = login.snapshot(t0, 7).unwrap();
        let json = serde_json::to_string(&snap).unwrap();
        assert!(
            !json.contains("srp"),
            "no SRP state in the snapshot: {json}"
        );
        let mut resumed = Login::resume(snap, Config::new(1, "h"), 7, &mut seeded(4), t0).unwrap();
        assert_eq!(resumed.phase(), Phase::Working);
        let t = resumed.poll_transmit().unwrap();
        let _: functions::account::GetPassword = crate::tl::decode(&t.body).unwrap();
        assert_eq!(
            resumed.password_info().and_then(|p| p.hint.as_deref()),
            Some("hint")
        );
    }

    #[test]
    fn resuming_on_another_key_is_refused() {
        let t0 = Instant::now();
        let snap = waiting_for_code(t0).snapshot(t0, 1).unwrap();
        let err = Login::resume(snap, Config::new(1, "h"), 2, &mut seeded(2), t0).unwrap_err();
        assert_eq!(
            err,
            ResumeError::WrongAuthKey {
                dc: DcId(2),
                expected: 1,
                got: 2
            }
        );
    }

    #[test]
    fn busy_logins_cannot_be_snapshotted() {
        let t0 = Instant::now();
        let login = Login::new(Config::new(1, "h"), "9996621234", &mut seeded(1), t0).unwrap();
        assert_eq!(
            login.snapshot(t0, 1).unwrap_err(),
            UsageError::NotSnapshotable
        );
    }

    #[test]
    fn a_snapshot_claiming_an_impossible_phase_is_invalid() {
        let t0 = Instant::now();
        let mut snap = waiting_for_code(t0).snapshot(t0, 1).unwrap();
        snap.code = None;
        assert_eq!(
            Login::resume(snap.clone(), Config::new(1, "h"), 1, &mut seeded(0), t0).unwrap_err(),
            ResumeError::Invalid("phase needs a sent code")
        );
        snap.version = 9;
        assert_eq!(
            Login::resume(snap, Config::new(1, "h"), 1, &mut seeded(0), t0).unwrap_err(),
            ResumeError::UnsupportedVersion(9)
        );
    }

    #[test]
    fn a_resend_timeout_past_the_end_of_time_is_invalid_not_a_panic() {
        let t0 = Instant::now();
        let mut snap = waiting_for_code(t0).snapshot(t0, 1).unwrap();
        if let Some(code) = snap.code.as_mut() {
            code.resend_in = Some(Duration::MAX);
        }
        assert_eq!(
            Login::resume(snap, Config::new(1, "h"), 1, &mut seeded(0), t0).unwrap_err(),
            ResumeError::Invalid("resend timeout out of range")
        );
    }
}
