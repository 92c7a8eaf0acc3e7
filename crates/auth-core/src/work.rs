//! The slow part of the password flows, handed out as [`Work`]: a machine never runs PBKDF2
//! (100 000 iterations) itself. The caller runs [`Work::run`] where slow work belongs (a blocking
//! thread; inline in a simple loop) and hands the [`WorkDone`] back with `handle_work`.
//!
//! The machine keeps the password a person typed (zeroized on drop) until the server accepted
//! or refused it, so when the server renews the challenge (`SRP_ID_INVALID`) it hands out new
//! work by itself: no driver re-asks or re-checks.

use zeroize::Zeroizing;

use crate::{
    entropy::Entropy,
    srp::{
        NewPasswordHash, PasswordCheck, SrpAlgo, SrpChallenge, SrpError, new_salt1, password_hash,
    },
    tl::{enums, types},
};

/// Slow work a machine asks for (`poll_work`): check a password against the server's SRP
/// challenge, hash a new password, or both. `Send`: move it to where slow work runs.
#[must_use = "run the work and hand the result to handle_work, or the machine waits forever"]
pub struct Work {
    id: u64,
    check: Option<(SrpChallenge, Zeroizing<Vec<u8>>)>,
    new: Option<(NewPasswordAlgo, Zeroizing<Vec<u8>>)>,
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Work")
            .field("id", &self.id)
            .field("check_password", &self.check.is_some())
            .field("hash_new_password", &self.new.is_some())
            .finish()
    }
}

/// The result of [`Work::run`], for the machine's `handle_work`.
pub struct WorkDone {
    pub(crate) id: u64,
    pub(crate) check: Option<Result<PasswordCheck, SrpError>>,
    pub(crate) new_hash: Option<Result<NewPasswordHash, SrpError>>,
}

impl std::fmt::Debug for WorkDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkDone")
            .field("id", &self.id)
            .field("check", &self.check.as_ref().map(Result::is_ok))
            .field("new_hash", &self.new_hash.as_ref().map(Result::is_ok))
            .finish()
    }
}

impl Work {
    pub(crate) fn new(
        id: u64,
        check: Option<(&SrpChallenge, &[u8])>,
        new: Option<(&NewPasswordAlgo, &[u8])>,
    ) -> Self {
        Work {
            id,
            check: check.map(|(c, p)| (c.clone(), Zeroizing::new(p.to_vec()))),
            new: new.map(|(a, p)| (a.clone(), Zeroizing::new(p.to_vec()))),
        }
    }

    /// Does the work: one PBKDF2 run (100 000 iterations) and one or two modular
    /// exponentiations per password (tens of milliseconds optimised, seconds unoptimised).
    pub fn run(self) -> WorkDone {
        WorkDone {
            id: self.id,
            check: self
                .check
                .as_ref()
                .map(|(challenge, password)| challenge.check(password)),
            new_hash: self
                .new
                .as_ref()
                .map(|(algo, password)| algo.hash(password)),
        }
    }
}

/// The algorithm a new password is hashed with: the server's `new_algo` with `salt1` already
/// extended by 32 random bytes (drawn by the machine that received it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasswordAlgo {
    algo: SrpAlgo,
    /// Length of the server's part of `salt1`.
    server_salt1_len: usize,
}

impl NewPasswordAlgo {
    /// Extends the server's `new_algo` with fresh salt from `entropy`.
    pub(crate) fn draw(server: &SrpAlgo, entropy: &mut Entropy) -> Self {
        let mut salt = entropy.fork(b"tgauth/password/new-salt1");
        NewPasswordAlgo {
            algo: SrpAlgo {
                salt1: new_salt1(&server.salt1, &mut salt),
                ..server.clone()
            },
            server_salt1_len: server.salt1.len(),
        }
    }

    /// The algorithm with the extended `salt1` (what `new_algo` will say).
    pub fn algo(&self) -> &SrpAlgo {
        &self.algo
    }

    /// The new password's `new_password_hash = v = g^x mod p` with these salts: one PBKDF2
    /// run and one modular exponentiation. Pure; the password is used as given.
    ///
    /// # Errors
    ///
    /// The `p` and `g` checks of [`SrpError`] (the server's `new_algo` is unsafe).
    pub fn hash(&self, password: &[u8]) -> Result<NewPasswordHash, SrpError> {
        let hash = password_hash(&self.algo, password)?;
        Ok(NewPasswordHash {
            algo: self.algo.clone(),
            hash: *hash,
        })
    }
}

/// The SRP parameters of a known KDF, or `None` for `passwordKdfAlgoUnknown`.
pub(crate) fn algo_from_tl(algo: &enums::PasswordKdfAlgo) -> Option<SrpAlgo> {
    match algo {
        enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(a) => {
            Some(SrpAlgo {
                salt1: a.salt1.clone(),
                salt2: a.salt2.clone(),
                g: a.g,
                p: a.p.clone(),
            })
        }
        enums::PasswordKdfAlgo::Unknown(_) => None,
    }
}

/// The `inputCheckPasswordSRP` of a check, or `inputCheckPasswordEmpty`.
pub(crate) fn check_to_tl(check: Option<&PasswordCheck>) -> enums::InputCheckPasswordSRP {
    match check {
        Some(c) => types::InputCheckPasswordSRP {
            srp_id: c.srp_id,
            a: c.a.to_vec(),
            m1: crate::tl::SecretBytes::from(&c.m1[..]),
        }
        .into(),
        None => types::InputCheckPasswordEmpty {}.into(),
    }
}

/// A password challenge built from `account.password`, or why it cannot be.
pub(crate) fn challenge_from_tl(
    p: &types::account::Password,
    entropy: &mut Entropy,
    label: &[u8],
) -> Result<Option<SrpChallenge>, crate::Error> {
    let Some(srp) = &p.srp else {
        return Ok(None);
    };
    let Some(algo) = algo_from_tl(&srp.current_algo) else {
        return Err(crate::Error::UnsupportedPasswordAlgorithm);
    };
    let mut entropy = entropy.fork(label);
    SrpChallenge::new(
        &algo,
        &srp.srp_b,
        srp.srp_id,
        &p.secure_random,
        &mut entropy,
    )
    .map(Some)
    .map_err(crate::Error::PasswordParameters)
}

/// Where a machine is with its slow work: what to hand out, what it waits for.
#[derive(Debug, Default)]
pub(crate) struct WorkSlot {
    next_id: u64,
    ready: Option<Work>,
    waiting: Option<u64>,
}

impl WorkSlot {
    /// Hands out `check` and/or `new`, replacing any work not handed back yet.
    pub(crate) fn queue(
        &mut self,
        check: Option<(&SrpChallenge, &[u8])>,
        new: Option<(&NewPasswordAlgo, &[u8])>,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        self.ready = Some(Work::new(id, check, new));
        self.waiting = Some(id);
    }

    /// The work to hand out, once.
    pub(crate) fn poll(&mut self) -> Option<Work> {
        self.ready.take()
    }

    /// Accepts `done` if it is the awaited work.
    pub(crate) fn take(&mut self, done: WorkDone) -> Result<WorkDone, crate::UsageError> {
        if self.waiting == Some(done.id) {
            self.waiting = None;
            self.ready = None;
            Ok(done)
        } else {
            Err(crate::UsageError::StaleWork)
        }
    }

    /// Forgets the work (the machine moved on).
    pub(crate) fn cancel(&mut self) {
        self.ready = None;
        self.waiting = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::{NEW_SALT1_RANDOM_LEN, SrpVerifier, TELEGRAM_P};

    fn server_algo() -> SrpAlgo {
        SrpAlgo {
            salt1: vec![0xaa; 8],
            salt2: vec![0xbb; 16],
            g: 3,
            p: TELEGRAM_P.to_vec(),
        }
    }

    #[test]
    fn new_algo_extends_salt1_with_fresh_bytes() {
        let mut entropy = Entropy::deterministic([1; 32]);
        let algo = NewPasswordAlgo::draw(&server_algo(), &mut entropy);
        assert_eq!(algo.algo().salt1.len(), 8 + NEW_SALT1_RANDOM_LEN);
        assert_eq!(&algo.algo().salt1[..8], &[0xaa; 8]);
        let other = NewPasswordAlgo::draw(&server_algo(), &mut entropy);
        assert_ne!(algo.algo().salt1, other.algo().salt1);
        assert_eq!(
            (&algo.algo().salt2, algo.algo().g),
            (&server_algo().salt2, 3)
        );

        let new = algo.hash(b"new").expect("valid group");
        let verifier = SrpVerifier::from_password(&new.algo, b"new").expect("valid");
        assert_eq!(&new.hash, verifier.password_hash());
        assert_eq!(new.algo, *algo.algo());
    }

    #[test]
    fn a_slot_takes_back_only_the_work_it_waits_for() {
        let mut entropy = Entropy::deterministic([2; 32]);
        let algo = NewPasswordAlgo::draw(&server_algo(), &mut entropy);
        let mut slot = WorkSlot::default();
        slot.queue(None, Some((&algo, b"pw")));
        let first = slot.poll().expect("work is handed out");
        assert!(slot.poll().is_none(), "once");
        slot.queue(None, Some((&algo, b"pw2")));
        let second = slot.poll().expect("new work");
        assert!(format!("{second:?}").contains("hash_new_password: true"));
        assert_eq!(
            slot.take(first.run()).unwrap_err(),
            crate::UsageError::StaleWork
        );
        let done = slot.take(second.run()).expect("the awaited work");
        let hash = done.new_hash.expect("hashed").expect("valid");
        assert_eq!(hash.algo, *algo.algo());
        let again = Work::new(9, None, Some((&algo, b"pw2")));
        assert_eq!(
            slot.take(again.run()).unwrap_err(),
            crate::UsageError::StaleWork
        );
    }

    #[test]
    fn work_moves_between_threads() {
        fn send<T: Send + 'static>() {}
        send::<Work>();
        send::<WorkDone>();
    }
}
