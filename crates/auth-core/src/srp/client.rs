//! The client side: [`SrpChallenge`] (everything computable before the password is typed) and
//! [`SrpChallenge::check`] (the password step).

use core::fmt;

use crypto_bigint::{U256, U2048};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::error::SrpError;
use super::kdf::password_x;
use super::modp::{
    HASH_BITS, Residue, SECRET_BITS, SESSION_EXPONENT_BITS, session_exponent, to_be, u256_from_be,
    uint_from_be, write_be,
};
use super::params::{Group, SrpAlgo, check_g_b, pad_g_b};
use super::secret::{Secret, new_secret, scrub_stack};
use super::{Hex, LEN};
use crate::entropy::Entropy;

/// How many times [`SrpChallenge::new`] draws a fresh `a` when `g_a` falls outside
/// `[2^1984, p − 2^1984]` or `u = 0` (each happens with probability about 2^-60 or less).
const MAX_DRAWS: usize = 16;

/// Domain-separation label for drawing `a`; the server's `secure_random` follows it.
const A_LABEL: &[u8] = b"tgauth/srp/a\0";

/// What the client sends as `inputCheckPasswordSRP`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordCheck {
    /// `srp_id`, copied from `account.password`.
    pub srp_id: i64,
    /// `A = g^a mod p`, big-endian, 256 bytes.
    pub a: [u8; LEN],
    /// `M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K)`, 32 bytes.
    pub m1: [u8; 32],
}

impl fmt::Debug for PasswordCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordCheck")
            .field("srp_id", &self.srp_id)
            .field("a", &Hex(&self.a))
            .field("m1", &Hex(&self.m1))
            .finish()
    }
}

/// The first, password-independent half of the SRP check: the server's parameters validated,
/// the secret `a` drawn, `A = g^a`, `u = H(A | B)`, `k = H(p | g)` and the `M1` hash prefix
/// computed.
///
/// Build it as soon as `account.password` arrives; when the user has typed the password,
/// [`check`](Self::check) does only the slow, password-dependent part (PBKDF2 and two modular
/// exponentiations). The challenge is `Send + Sync` and `Clone` so that step can run on another
/// thread. `check` is deterministic and may be called more than once, but the server answers
/// one `srp_id` only once: after `PASSWORD_HASH_INVALID`, fetch `account.password` again and
/// build a new challenge (with a fresh `a`).
///
/// The secret `a` is kept as bytes, zeroized on drop, and redacted from `Debug`.
///
/// ```no_run
/// use auth_core::entropy::Entropy;
/// use auth_core::srp::{SrpAlgo, SrpChallenge, TELEGRAM_P};
///
/// # fn main() -> Result<(), auth_core::srp::SrpError> {
/// # let (salt1, salt2, srp_b, srp_id, secure_random) = (vec![1; 8], vec![2; 16], vec![3; 256], 7, vec![4; 32]);
/// let algo = SrpAlgo { salt1, salt2, g: 3, p: TELEGRAM_P.to_vec() };
/// let mut entropy = Entropy::deterministic([0; 32]); // seed from the OS RNG in real code
/// let challenge = SrpChallenge::new(&algo, &srp_b, srp_id, &secure_random, &mut entropy)?;
/// // ... later, maybe on a blocking thread:
/// let check = challenge.check(b"hunter2")?;
/// // send inputCheckPasswordSRP { srp_id: check.srp_id, A: check.a, M1: check.m1 }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SrpChallenge {
    group: Group,
    srp_id: i64,
    salt1: Vec<u8>,
    salt2: Vec<u8>,
    g_b: U2048,
    g_a: [u8; LEN],
    /// `u = H(A | B)`, as hashed.
    u: [u8; 32],
    a: Secret,
    /// SHA-256 state after `H(p) xor H(g) | H(salt1) | H(salt2) | A | B`.
    m1_prefix: Sha256,
}

impl fmt::Debug for SrpChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpChallenge")
            .field("srp_id", &self.srp_id)
            .field("g", &self.group.g)
            .field("g_a", &Hex(&self.g_a))
            .field("a", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The secret `a` is zeroized when the challenge is dropped; the rest is public.
impl ZeroizeOnDrop for SrpChallenge {}

/// Intermediate values of one check, for the test vectors. Zeroized on drop; `Debug` redacted.
#[doc(hidden)]
#[derive(Default, Zeroize, ZeroizeOnDrop)]
pub struct CheckTrace {
    /// `x = PH2(password, salt1, salt2)`.
    pub x: [u8; 32],
    /// `v = g^x mod p`.
    pub v: Vec<u8>,
    /// `k = H(p | g)`.
    pub k: [u8; 32],
    /// `u = H(g_a | g_b)`.
    pub u: [u8; 32],
    /// `k_v = k·v mod p`.
    pub k_v: Vec<u8>,
    /// `t = (g_b − k_v) mod p`.
    pub t: Vec<u8>,
    /// `s_a = t^(a + u·x) mod p`.
    pub s_a: Vec<u8>,
    /// `k_a = H(s_a)`.
    pub k_a: [u8; 32],
}

impl fmt::Debug for CheckTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckTrace(<redacted>)")
    }
}

impl SrpChallenge {
    /// Validates the server's parameters and prepares the check, drawing `a` from `entropy`.
    ///
    /// `a` is 256 bytes from a child stream of `entropy` forked with the server's
    /// `secure_random` in its label, i.e. `a = SHA-256-CTR(H(fork label | 32 fresh bytes of
    /// entropy | secure_random))`: the server's randomness is mixed in (as the spec suggests for
    /// weak client RNGs) but never used alone, so the server cannot know `a`. If `g_a` falls
    /// outside `[2^1984, p − 2^1984]` or `u = 0`, `a` is drawn again (a bounded number of times).
    ///
    /// # Errors
    ///
    /// In the order checked: [`SrpError::GbBadLength`], [`SrpError::PNot2048Bit`],
    /// [`SrpError::PNotPrime`], [`SrpError::PNotSafePrime`], [`SrpError::GOutOfRange`],
    /// [`SrpError::GBadForP`], [`SrpError::GbOutOfRange`]; [`SrpError::GaOutOfRange`] or
    /// [`SrpError::UZero`] only if every redraw failed (practically never).
    /// [`SrpError::TOutOfRange`] needs the password and comes from [`check`](Self::check).
    pub fn new(
        algo: &SrpAlgo,
        srp_b: &[u8],
        srp_id: i64,
        secure_random: &[u8],
        entropy: &mut Entropy,
    ) -> Result<Self, SrpError> {
        let result = Self::draw(algo, srp_b, srp_id, secure_random, entropy);
        scrub_stack();
        result
    }

    /// [`new`](Self::new) without the stack scrub (a frame of its own, below `new`'s).
    #[inline(never)]
    fn draw(
        algo: &SrpAlgo,
        srp_b: &[u8],
        srp_id: i64,
        secure_random: &[u8],
        entropy: &mut Entropy,
    ) -> Result<Self, SrpError> {
        let (group, g_b_bytes, g_b) = validate_server_params(algo, srp_b)?;
        let mut label = Vec::with_capacity(A_LABEL.len() + secure_random.len());
        label.extend_from_slice(A_LABEL);
        label.extend_from_slice(secure_random);
        let mut last_error = SrpError::GaOutOfRange;
        for _ in 0..MAX_DRAWS {
            let mut a = new_secret();
            entropy.fork(&label).fill(&mut a[..]);
            match own_values(&group, &a, &g_b_bytes) {
                Ok((g_a, u)) => {
                    return Ok(Self::assemble(
                        group, algo, srp_id, g_b, &g_b_bytes, g_a, u, a,
                    ));
                }
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// Like [`new`](Self::new) but with the secret `a` given (big-endian, at most 256 bytes):
    /// deterministic, for test vectors and the simulator. Never use it with a value the server
    /// could know.
    ///
    /// # Errors
    ///
    /// [`SrpError::SecretBadLength`] if `a` is longer than 256 bytes, then as [`new`](Self::new),
    /// and [`SrpError::GaOutOfRange`] / [`SrpError::UZero`] if this `a` gives such values.
    pub fn with_secret_a(
        algo: &SrpAlgo,
        srp_b: &[u8],
        srp_id: i64,
        a: &[u8],
    ) -> Result<Self, SrpError> {
        let result = Self::with_padded_a(algo, srp_b, srp_id, a);
        scrub_stack();
        result
    }

    #[inline(never)]
    fn with_padded_a(
        algo: &SrpAlgo,
        srp_b: &[u8],
        srp_id: i64,
        a: &[u8],
    ) -> Result<Self, SrpError> {
        let a = pad_secret(a)?;
        let (group, g_b_bytes, g_b) = validate_server_params(algo, srp_b)?;
        let (g_a, u) = own_values(&group, &a, &g_b_bytes)?;
        Ok(Self::assemble(
            group, algo, srp_id, g_b, &g_b_bytes, g_a, u, a,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        group: Group,
        algo: &SrpAlgo,
        srp_id: i64,
        g_b: U2048,
        g_b_bytes: &[u8; LEN],
        g_a: [u8; LEN],
        u: [u8; 32],
        a: Secret,
    ) -> Self {
        let m1_prefix = m1_prefix(&group, &algo.salt1, &algo.salt2, &g_a, g_b_bytes);
        SrpChallenge {
            group,
            srp_id,
            salt1: algo.salt1.clone(),
            salt2: algo.salt2.clone(),
            g_b,
            g_a,
            u,
            a,
            m1_prefix,
        }
    }

    /// The `srp_id` this challenge answers.
    #[must_use]
    pub fn srp_id(&self) -> i64 {
        self.srp_id
    }

    /// `A = g^a mod p`, big-endian, 256 bytes (public: it is sent to the server).
    #[must_use]
    pub fn g_a(&self) -> &[u8; LEN] {
        &self.g_a
    }

    /// The password step: `x` by PBKDF2 (100 000 iterations), `v = g^x`, `t = g_b − k·v`,
    /// `s_a = t^(a + u·x)`, `K = H(s_a)`, `M1`. Pure and deterministic; takes about one PBKDF2
    /// run plus one 2048-bit modular exponentiation, in constant time (see the
    /// [module docs](super#secrets-and-timing)).
    ///
    /// The password is used as given (no normalisation); its derived secrets are zeroized.
    ///
    /// # Errors
    ///
    /// [`SrpError::TOutOfRange`] if `t = (g_b − k·v) mod p` is outside `[2^1984, p − 2^1984]`
    /// (the server's `srp_B` was bad; this check needs `v`, hence the password).
    pub fn check(&self, password: &[u8]) -> Result<PasswordCheck, SrpError> {
        let result = self.finish(password, None);
        scrub_stack();
        result
    }

    /// [`check`](Self::check), also returning the intermediate values (for the test vectors).
    ///
    /// # Errors
    ///
    /// As [`check`](Self::check).
    #[doc(hidden)]
    pub fn check_traced(&self, password: &[u8]) -> Result<(PasswordCheck, CheckTrace), SrpError> {
        let mut trace = CheckTrace::default();
        let result = self.finish(password, Some(&mut trace));
        scrub_stack();
        Ok((result?, trace))
    }

    /// The password step, in a frame of its own below [`check`](Self::check)'s, so that the
    /// stack scrub after it covers everything it left behind.
    #[inline(never)]
    fn finish(
        &self,
        password: &[u8],
        mut trace: Option<&mut CheckTrace>,
    ) -> Result<PasswordCheck, SrpError> {
        let x_bytes = password_x(password, &self.salt1, &self.salt2);
        let x = Zeroizing::new(u256_from_be(&x_bytes));
        let (_v, t) = password_step(&self.group, &self.g_b, &x, trace.as_deref_mut())?;
        let k_a = session_key(&t, &self.a, &self.u, &x, trace.as_deref_mut());
        let m1: [u8; 32] = self
            .m1_prefix
            .clone()
            .chain_update(&k_a[..])
            .finalize()
            .into();
        if let Some(trace) = trace {
            trace.x = *x_bytes;
            trace.u = self.u;
        }
        Ok(PasswordCheck {
            srp_id: self.srp_id,
            a: self.g_a,
            m1,
        })
    }
}

/// Pads a caller-given secret exponent to 256 bytes.
pub(crate) fn pad_secret(secret: &[u8]) -> Result<Secret, SrpError> {
    if secret.len() > LEN {
        return Err(SrpError::SecretBadLength { len: secret.len() });
    }
    let mut out = new_secret();
    out[LEN - secret.len()..].copy_from_slice(secret);
    Ok(out)
}

/// The checks on the server's values that need no password: `srp_B` length, `p`, `g`, `srp_B`
/// range, in that order. Returns the group and `g_b` (padded and as an integer).
pub(crate) fn validate_server_params(
    algo: &SrpAlgo,
    srp_b: &[u8],
) -> Result<(Group, [u8; LEN], U2048), SrpError> {
    let g_b_bytes = pad_g_b(srp_b)?;
    let group = Group::new(&algo.p, algo.g)?;
    let g_b = check_g_b(&group, &g_b_bytes)?;
    Ok((group, g_b_bytes, g_b))
}

/// The client's own values from `a`: `A = g^a mod p` (padded; in constant time) and
/// `u = H(A | B)`.
#[inline(never)]
pub(crate) fn own_values(
    group: &Group,
    a: &[u8; LEN],
    g_b_bytes: &[u8; LEN],
) -> Result<([u8; LEN], [u8; 32]), SrpError> {
    let a = Zeroizing::new(uint_from_be(a));
    // A is public once computed: branching on its range is fine.
    let g_a = group.g_pow(&*a, SECRET_BITS).retrieve();
    if !group.in_safe_range(&g_a).to_bool() {
        return Err(SrpError::GaOutOfRange);
    }
    let g_a = to_be(&g_a);
    let u: [u8; 32] = Sha256::new()
        .chain_update(g_a)
        .chain_update(g_b_bytes)
        .finalize()
        .into();
    if u == [0; 32] {
        return Err(SrpError::UZero);
    }
    Ok((g_a, u))
}

/// `v = g^x mod p`, `k_v = k·v mod p`, `t = (g_b − k_v) mod p` in constant time; then the
/// range check of `t` (whose outcome is public: it decides whether the server gets an answer).
/// Returns `v` and `t`.
pub(crate) fn password_step(
    group: &Group,
    g_b: &U2048,
    x: &U256,
    trace: Option<&mut CheckTrace>,
) -> Result<(Zeroizing<Residue>, Zeroizing<Residue>), SrpError> {
    let v = Zeroizing::new(group.g_pow(x, HASH_BITS));
    let k_v = Zeroizing::new(group.k.mul(&v));
    let t = Zeroizing::new(group.residue(g_b).sub(&k_v));
    let t_int = Zeroizing::new(t.retrieve());
    if let Some(trace) = trace {
        trace.v = trace_bytes(&v.retrieve());
        trace.k = group.k_bytes;
        trace.k_v = trace_bytes(&k_v.retrieve());
        trace.t = trace_bytes(&t_int);
    }
    if group.in_safe_range(&t_int).to_bool() {
        Ok((v, t))
    } else {
        Err(SrpError::TOutOfRange)
    }
}

/// A secret value as bytes for a [`CheckTrace`] (which wipes them).
fn trace_bytes(x: &U2048) -> Vec<u8> {
    let mut out = vec![0u8; LEN];
    let mut bytes = Zeroizing::new([0u8; LEN]);
    write_be(x, &mut bytes);
    out.copy_from_slice(&bytes[..]);
    out
}

/// `s_a = t^(a + u·x) mod p` in constant time, and `K = H(s_a)`.
pub(crate) fn session_key(
    t: &Residue,
    a: &[u8; LEN],
    u: &[u8; 32],
    x: &U256,
    trace: Option<&mut CheckTrace>,
) -> Zeroizing<[u8; 32]> {
    let exponent = {
        let a = Zeroizing::new(uint_from_be(a));
        session_exponent(&a, &u256_from_be(u), x)
    };
    let s_a = Zeroizing::new(
        t.pow_bounded_exp(&*exponent, SESSION_EXPONENT_BITS)
            .retrieve(),
    );
    let mut s_a_bytes = Zeroizing::new([0u8; LEN]);
    write_be(&s_a, &mut s_a_bytes);
    let k_a = Zeroizing::new(Sha256::digest(&s_a_bytes[..]).into());
    if let Some(trace) = trace {
        trace.s_a = s_a_bytes.to_vec();
        trace.k_a = *k_a;
    }
    k_a
}

/// SHA-256 state after `H(p) xor H(g) | H(salt1) | H(salt2) | A | B`.
pub(crate) fn m1_prefix(
    group: &Group,
    salt1: &[u8],
    salt2: &[u8],
    g_a: &[u8; LEN],
    g_b: &[u8; LEN],
) -> Sha256 {
    Sha256::new()
        .chain_update(group.hp_xor_hg)
        .chain_update(Sha256::digest(salt1))
        .chain_update(Sha256::digest(salt2))
        .chain_update(g_a)
        .chain_update(g_b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_crypto::safe_prime::TELEGRAM_P;

    fn algo() -> SrpAlgo {
        SrpAlgo {
            salt1: vec![1; 8],
            salt2: vec![2; 16],
            g: 3,
            p: TELEGRAM_P.to_vec(),
        }
    }

    /// A valid `srp_B` for `algo()` (value irrelevant for the password-free checks).
    fn some_b() -> Vec<u8> {
        let mut b = vec![0x5a; LEN];
        b[0] = 0x12;
        b
    }

    #[test]
    fn challenge_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone>() {}
        assert_traits::<SrpChallenge>();
        assert_traits::<PasswordCheck>();
    }

    #[test]
    fn a_mixes_secure_random_with_entropy() {
        let secure_random = vec![0x42; LEN];
        let c1 = SrpChallenge::new(
            &algo(),
            &some_b(),
            1,
            &secure_random,
            &mut Entropy::deterministic([1; 32]),
        )
        .expect("valid");
        let c2 = SrpChallenge::new(
            &algo(),
            &some_b(),
            1,
            &secure_random,
            &mut Entropy::deterministic([2; 32]),
        )
        .expect("valid");
        assert_ne!(c1.a[..], c2.a[..], "different entropy, same secure_random");
        assert_ne!(c1.g_a, c2.g_a);
        assert_ne!(
            c1.a[..],
            secure_random[..],
            "a is never the server's secure_random"
        );
        // Deterministic for the same seed.
        let c3 = SrpChallenge::new(
            &algo(),
            &some_b(),
            1,
            &secure_random,
            &mut Entropy::deterministic([1; 32]),
        )
        .expect("valid");
        assert_eq!(c1.g_a, c3.g_a);
        // The secure_random is mixed in: same entropy, different secure_random, different a.
        let c4 = SrpChallenge::new(
            &algo(),
            &some_b(),
            1,
            &[0x43; LEN],
            &mut Entropy::deterministic([1; 32]),
        )
        .expect("valid");
        assert_ne!(c1.a[..], c4.a[..]);
    }

    #[test]
    fn consecutive_challenges_from_one_source_differ() {
        let mut entropy = Entropy::deterministic([9; 32]);
        let c1 = SrpChallenge::new(&algo(), &some_b(), 1, &[], &mut entropy).expect("valid");
        let c2 = SrpChallenge::new(&algo(), &some_b(), 1, &[], &mut entropy).expect("valid");
        assert_ne!(c1.g_a, c2.g_a);
    }

    #[test]
    fn debug_redacts_a() {
        let a = [0xab; 32];
        let c = SrpChallenge::with_secret_a(&algo(), &some_b(), 5, &a).expect("valid");
        let shown = format!("{c:?}");
        assert!(shown.contains("<redacted>"));
        assert!(!shown.contains("abababab"));
        assert_eq!(
            format!("{:?}", CheckTrace::default()),
            "CheckTrace(<redacted>)"
        );
    }

    #[test]
    fn secret_a_errors() {
        assert_eq!(
            SrpChallenge::with_secret_a(&algo(), &some_b(), 1, &[1; 257]).err(),
            Some(SrpError::SecretBadLength { len: 257 })
        );
        // a = 0 ⇒ g_a = 1; a = 1 ⇒ g_a = g: both far below 2^1984.
        for a in [&[][..], &[0][..], &[1][..]] {
            assert_eq!(
                SrpChallenge::with_secret_a(&algo(), &some_b(), 1, a).err(),
                Some(SrpError::GaOutOfRange)
            );
        }
    }

    #[test]
    fn parameter_errors_come_in_order() {
        let mut bad = algo();
        bad.p[255] ^= 2; // composite, but the srp_B length is checked first
        assert_eq!(
            SrpChallenge::with_secret_a(&bad, &[1; 257], 1, &[7; 256]).err(),
            Some(SrpError::GbBadLength { len: 257 })
        );
        bad.g = 100; // p is still checked before g
        assert_eq!(
            SrpChallenge::with_secret_a(&bad, &some_b(), 1, &[7; 256]).err(),
            Some(SrpError::PNotPrime)
        );
        let mut bad_g = algo();
        bad_g.g = 2; // Telegram's p mod 8 = 3
        assert_eq!(
            SrpChallenge::with_secret_a(&bad_g, &[0; 1], 1, &[7; 256]).err(),
            Some(SrpError::GBadForP { g: 2 })
        );
        assert_eq!(
            SrpChallenge::with_secret_a(&algo(), &[1], 1, &[7; 256]).err(),
            Some(SrpError::GbOutOfRange)
        );
    }

    #[test]
    fn check_agrees_with_server_and_t_is_checked() {
        use crate::srp::server::SrpVerifier;
        let algo = algo();
        let verifier = SrpVerifier::from_password(&algo, b"secret").expect("valid");
        let session = verifier
            .start(&mut Entropy::deterministic([3; 32]))
            .expect("valid");
        let challenge = SrpChallenge::new(
            &algo,
            session.srp_b(),
            77,
            &[],
            &mut Entropy::deterministic([4; 32]),
        )
        .expect("valid");
        let check = challenge.check(b"secret").expect("t in range");
        assert_eq!(check.srp_id, 77);
        assert_eq!(&check.a, challenge.g_a());
        assert_eq!(session.verify(&check.a, &check.m1), Ok(()));
        // srp_B = k·v + 1 gives t = 1: rejected in check, once v is known.
        let group = &challenge.group;
        let v = group.residue(&uint_from_be(verifier.password_hash()));
        let one = Residue::one(&group.modulus);
        let b = to_be(&group.k.mul(&v).add(&one).retrieve());
        let bad = SrpChallenge::new(&algo, &b, 1, &[], &mut Entropy::deterministic([5; 32]))
            .expect("B in range");
        assert_eq!(bad.check(b"secret"), Err(SrpError::TOutOfRange));
    }
}
