//! A small deterministic entropy source for the whole core.
//!
//! The core never reads OS randomness: the caller hands in a 32-byte seed (from the OS RNG in
//! production, a constant in tests) and every random value the core needs — the SRP secret `a`,
//! a new password salt, a simulator's `b` — is drawn from an [`Entropy`] built from that seed.
//! The same seed and the same sequence of calls always give the same bytes.
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

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

const DOMAIN_SEED: &[u8] = b"tgauth/entropy/v1/seed";
const DOMAIN_BLOCK: &[u8] = b"tgauth/entropy/v1/block";
const DOMAIN_REKEY: &[u8] = b"tgauth/entropy/v1/rekey";
const DOMAIN_FORK: &[u8] = b"tgauth/entropy/v1/fork";

/// A deterministic stream of pseudo-random bytes derived from a caller-given 32-byte seed.
///
/// See the [module documentation](self) for the construction.
///
/// ```
/// use tg_crypto::entropy::Entropy;
///
/// let mut entropy = Entropy::from_seed([7; 32]);
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
    /// Builds an entropy source from a 32-byte seed.
    ///
    /// The seed should come from a cryptographically secure source (e.g. the OS RNG, read by the
    /// caller outside the core); the core itself is only as unpredictable as this seed.
    #[must_use]
    pub fn from_seed(seed: [u8; 32]) -> Self {
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
        let mut a = Entropy::from_seed([1; 32]);
        let mut b = Entropy::from_seed([1; 32]);
        assert_eq!(bytes::<100>(&mut a), bytes::<100>(&mut b));
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn different_seeds_differ() {
        let mut a = Entropy::from_seed([1; 32]);
        let mut b = Entropy::from_seed([2; 32]);
        assert_ne!(bytes::<32>(&mut a), bytes::<32>(&mut b));
    }

    #[test]
    fn consecutive_fills_differ() {
        let mut a = Entropy::from_seed([3; 32]);
        let first = bytes::<32>(&mut a);
        let second = bytes::<32>(&mut a);
        assert_ne!(first, second);
        // Blocks inside one fill differ too.
        let long = bytes::<64>(&mut a);
        assert_ne!(long[..32], long[32..]);
    }

    #[test]
    fn fill_handles_odd_lengths() {
        let mut a = Entropy::from_seed([4; 32]);
        let mut empty = [0u8; 0];
        a.fill(&mut empty);
        let odd = bytes::<33>(&mut a);
        assert_ne!(odd[32], 0xff ^ odd[32]);
    }

    #[test]
    fn forks_are_independent() {
        let mut parent = Entropy::from_seed([5; 32]);
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
        let mut p1 = Entropy::from_seed([6; 32]);
        let mut p2 = Entropy::from_seed([6; 32]);
        let mut p3 = Entropy::from_seed([6; 32]);
        let a = bytes::<32>(&mut p1.fork(b"x"));
        let b = bytes::<32>(&mut p2.fork(b"x"));
        let c = bytes::<32>(&mut p3.fork(b"y"));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn debug_is_redacted() {
        let e = Entropy::from_seed([9; 32]);
        let shown = format!("{e:?}");
        assert_eq!(shown, "Entropy(<redacted>)");
    }
}
