//! Where the core's randomness comes from: the caller's cryptographic generator, stretched
//! into independent streams.
//!
//! The core never reads OS randomness itself. A machine takes any `rand_core` [`CryptoRng`]
//! from its caller — the operating system's generator in production
//! (`rand_core::UnwrapErr(getrandom::SysRng)`, or `rand::rng()`) — and draws 32 bytes from it
//! once, with [`Entropy::from_rng`]; every random value the machine needs later (the SRP secret
//! `a`, a new password's salt) comes from that [`Entropy`]. Tests and the simulator, which must
//! repeat themselves, build one from a constant with [`Entropy::deterministic`], whose name says
//! what it gives up.
//!
//! ```
//! use rand_core::UnwrapErr;
//! use tg_crypto::entropy::Entropy;
//!
//! let mut os = UnwrapErr(getrandom::SysRng); // the OS generator
//! let mut entropy = Entropy::from_rng(&mut os);
//! let mut salt = [0u8; 32];
//! entropy.fill(&mut salt);
//! ```
//!
//! An `Entropy` is itself a [`CryptoRng`], so a deterministic one can stand in wherever a
//! generator is taken (in tests).
//!
//! # Construction
//!
//! SHA-256 in counter mode with *fast key erasure*. The state is one 32-byte key. A call to
//! [`Entropy::fill`] produces output block `i` (32 bytes, the last one truncated) as
//!
//! ```text
//! block_i = SHA-256("tgauth/entropy/v1/block" || key || be64(i))
//! ```
//!
//! and then replaces the key:
//!
//! ```text
//! key' = SHA-256("tgauth/entropy/v1/rekey" || key)
//! ```
//!
//! so the state after a call reveals nothing about the bytes handed out before it. The output
//! therefore depends on how the bytes are requested: `fill` of 64 bytes differs from two `fill`s
//! of 32 bytes. Both are equally good; only reproducibility across identical call sequences is
//! promised.
//!
//! [`Entropy::fork`] derives an independent child stream: it draws 32 bytes from the parent (which
//! advances the parent) and hashes them with a caller-chosen label:
//!
//! ```text
//! child_key = SHA-256("tgauth/entropy/v1/fork" || 32 bytes drawn from the parent
//!                     || be64(len(label)) || label)
//! ```
//!
//! Forking twice, even with the same label, gives two different children, so one login never
//! reuses the entropy of another. The label can also carry extra input to mix in (SRP mixes the
//! server's `secure_random` into `a` this way).
//!
//! The key is zeroized on drop and never printed (`Debug` is redacted). `Entropy` is deliberately
//! not `Clone`: a copy would hand out the same bytes twice.

use core::convert::Infallible;

use rand_core::{CryptoRng, TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

const DOMAIN_SEED: &[u8] = b"tgauth/entropy/v1/seed";
const DOMAIN_BLOCK: &[u8] = b"tgauth/entropy/v1/block";
const DOMAIN_REKEY: &[u8] = b"tgauth/entropy/v1/rekey";
const DOMAIN_FORK: &[u8] = b"tgauth/entropy/v1/fork";

/// A stream of pseudo-random bytes stretched from 32 bytes of the caller's generator (or, in
/// tests, a constant).
///
/// See the [module documentation](self) for the construction.
///
/// ```
/// use tg_crypto::entropy::Entropy;
///
/// let mut entropy = Entropy::deterministic([7; 32]); // a test: the same bytes every run
/// let mut login = entropy.fork(b"login");
/// let mut bytes = [0u8; 16];
/// login.fill(&mut bytes);
/// assert_ne!(bytes, [0u8; 16]);
/// ```
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Entropy {
    key: [u8; 32],
}

impl Entropy {
    /// Draws 32 bytes from `rng` (the OS generator in production) and stretches them.
    #[must_use]
    pub fn from_rng<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self::from_bytes(seed)
    }

    /// [`from_rng`](Self::from_rng) for a generator that can fail (`getrandom::SysRng`).
    ///
    /// # Errors
    ///
    /// The generator's error.
    pub fn try_from_rng<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, R::Error> {
        let mut seed = [0u8; 32];
        rng.try_fill_bytes(&mut seed)?;
        Ok(Self::from_bytes(seed))
    }

    /// The same bytes every time for the same `seed`: for tests and simulators that must repeat
    /// themselves. Never for a login a person relies on: whoever knows the seed knows every
    /// secret drawn from it. Production code takes [`from_rng`](Self::from_rng).
    #[must_use]
    pub fn deterministic(seed: [u8; 32]) -> Self {
        Self::from_bytes(seed)
    }

    fn from_bytes(seed: [u8; 32]) -> Self {
        let mut seed = seed;
        let key = Sha256::new()
            .chain_update(DOMAIN_SEED)
            .chain_update(seed)
            .finalize()
            .into();
        seed.zeroize();
        Self { key }
    }

    /// Fills `out` with the next bytes of the stream, then erases the key used for them.
    pub fn fill(&mut self, out: &mut [u8]) {
        for (i, chunk) in out.chunks_mut(32).enumerate() {
            let mut block: [u8; 32] = Sha256::new()
                .chain_update(DOMAIN_BLOCK)
                .chain_update(self.key)
                .chain_update((i as u64).to_be_bytes())
                .finalize()
                .into();
            chunk.copy_from_slice(&block[..chunk.len()]);
            block.zeroize();
        }
        let next: [u8; 32] = Sha256::new()
            .chain_update(DOMAIN_REKEY)
            .chain_update(self.key)
            .finalize()
            .into();
        self.key = next;
    }

    /// Returns the next 8 bytes of the stream as a big-endian `u64`.
    pub fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes);
        u64::from_be_bytes(bytes)
    }

    /// Derives an independent child stream, advancing this one.
    ///
    /// `label` names the purpose (domain separation) and may carry extra input to mix in. Two
    /// forks never share output, even with equal labels, because each draws fresh bytes from the
    /// parent.
    #[must_use]
    pub fn fork(&mut self, label: &[u8]) -> Entropy {
        let mut drawn = [0u8; 32];
        self.fill(&mut drawn);
        let key = Sha256::new()
            .chain_update(DOMAIN_FORK)
            .chain_update(drawn)
            .chain_update((label.len() as u64).to_be_bytes())
            .chain_update(label)
            .finalize()
            .into();
        drawn.zeroize();
        Entropy { key }
    }
}

/// An `Entropy` is a cryptographic generator itself: forks and deterministic sources can be
/// handed to anything that takes one.
impl TryRng for Entropy {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.fill(&mut bytes);
        Ok(u32::from_be_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for Entropy {}

impl core::fmt::Debug for Entropy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Entropy(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<const N: usize>(e: &mut Entropy) -> [u8; N] {
        let mut out = [0u8; N];
        e.fill(&mut out);
        out
    }

    #[test]
    fn same_seed_same_stream() {
        let mut a = Entropy::deterministic([1; 32]);
        let mut b = Entropy::deterministic([1; 32]);
        assert_eq!(bytes::<100>(&mut a), bytes::<100>(&mut b));
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn different_seeds_differ() {
        let mut a = Entropy::deterministic([1; 32]);
        let mut b = Entropy::deterministic([2; 32]);
        assert_ne!(bytes::<32>(&mut a), bytes::<32>(&mut b));
    }

    #[test]
    fn consecutive_fills_differ() {
        let mut a = Entropy::deterministic([3; 32]);
        let first = bytes::<32>(&mut a);
        let second = bytes::<32>(&mut a);
        assert_ne!(first, second);
        // Blocks inside one fill differ too.
        let long = bytes::<64>(&mut a);
        assert_ne!(long[..32], long[32..]);
    }

    #[test]
    fn fill_handles_odd_lengths() {
        let mut a = Entropy::deterministic([4; 32]);
        let mut empty = [0u8; 0];
        a.fill(&mut empty);
        let odd = bytes::<33>(&mut a);
        assert_ne!(odd[32], 0xff ^ odd[32]);
    }

    #[test]
    fn forks_are_independent() {
        let mut parent = Entropy::deterministic([5; 32]);
        let mut c1 = parent.fork(b"login");
        let mut c2 = parent.fork(b"login");
        let mut c3 = parent.fork(b"other");
        let (x1, x2, x3) = (
            bytes::<32>(&mut c1),
            bytes::<32>(&mut c2),
            bytes::<32>(&mut c3),
        );
        assert_ne!(x1, x2);
        assert_ne!(x1, x3);
        assert_ne!(x2, x3);
        assert_ne!(x1, bytes::<32>(&mut parent));
    }

    #[test]
    fn fork_is_deterministic_and_label_sensitive() {
        let mut p1 = Entropy::deterministic([6; 32]);
        let mut p2 = Entropy::deterministic([6; 32]);
        let mut p3 = Entropy::deterministic([6; 32]);
        let a = bytes::<32>(&mut p1.fork(b"x"));
        let b = bytes::<32>(&mut p2.fork(b"x"));
        let c = bytes::<32>(&mut p3.fork(b"y"));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn from_rng_draws_its_seed_from_the_generator() {
        // A deterministic Entropy is a CryptoRng, so it can seed another one.
        let mut rng = Entropy::deterministic([8; 32]);
        let mut a = Entropy::from_rng(&mut rng);
        let mut b = Entropy::from_rng(&mut rng);
        assert_ne!(
            bytes::<32>(&mut a),
            bytes::<32>(&mut b),
            "each draw is fresh"
        );
        // The seed is the generator's next 32 bytes, nothing else.
        let mut again = Entropy::deterministic([8; 32]);
        let mut seed = [0u8; 32];
        again.fill(&mut seed);
        let mut c = Entropy::deterministic(seed);
        let mut a = Entropy::from_rng(&mut Entropy::deterministic([8; 32]));
        assert_eq!(bytes::<32>(&mut a), bytes::<32>(&mut c));
        let mut d = Entropy::try_from_rng(&mut Entropy::deterministic([8; 32])).unwrap();
        assert_eq!(bytes::<32>(&mut d), {
            let mut e = Entropy::from_rng(&mut Entropy::deterministic([8; 32]));
            bytes::<32>(&mut e)
        });
    }

    #[test]
    fn the_os_generator_is_accepted() {
        let mut os = rand_core::UnwrapErr(getrandom::SysRng);
        let mut a = Entropy::from_rng(&mut os);
        let mut b = Entropy::try_from_rng(&mut getrandom::SysRng).expect("the OS has entropy");
        assert_ne!(bytes::<32>(&mut a), bytes::<32>(&mut b));
    }

    #[test]
    fn debug_is_redacted() {
        let e = Entropy::deterministic([9; 32]);
        let shown = format!("{e:?}");
        assert_eq!(shown, "Entropy(<redacted>)");
    }
}
