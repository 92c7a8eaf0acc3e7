//! Where SRP's secrets live and how they are wiped.
//!
//! * Held secrets (`a`, `b`, `v`) are [`Secret`]s: 256 bytes on the heap, so moving the owner
//!   does not leave copies, zeroized on drop.
//! * Temporaries are fixed-size values (`crypto-bigint` integers, byte arrays, hash states)
//!   on the stack, each held in a `Zeroizing` or a type that wipes itself on drop
//!   (`sha2`/`hmac` with their `zeroize` features). Nothing secret goes to the heap while it
//!   is computed: the password step allocates nothing at all (tested in `tests/srp_wipe.rs`).
//! * What the libraries copy inside their own frames (the power table of an exponentiation,
//!   PBKDF2's last HMAC block, a hash output before it is converted) is out of reach of
//!   `Zeroizing`; [`scrub_stack`] overwrites that region after each public operation that
//!   touched a secret.

use zeroize::{Zeroize, Zeroizing};

use super::LEN;

/// A 256-byte secret (exponent or verifier) on the heap, so moves do not leave copies;
/// zeroized on drop.
pub(crate) type Secret = Box<Zeroizing<[u8; LEN]>>;

/// A zeroed [`Secret`].
pub(crate) fn new_secret() -> Secret {
    Box::new(Zeroizing::new([0u8; LEN]))
}

/// Stack bytes [`scrub_stack`] overwrites. Measured in a release build by painting the stack
/// and looking at what each operation wrote (a probe that needs `unsafe`, so not in this
/// repository): the password step reaches 23 KiB below its caller, `SrpChallenge::with_secret_a`
/// 41 KiB (building the group and `g^a`); the const-generic exponentiation copies its
/// 16-entry table of 256-byte powers by value. 64 KiB covers both with room to spare, and
/// costs microseconds.
const STACK_SCRUB_WORDS: usize = 8192; // 64 KiB

/// Overwrites the stack just below the caller's frame with zeros: where the frames of the
/// secret computations it just returned from were.
///
/// Call it from the public function that ran the computation, after the computation returned,
/// and keep the computation in a function of its own that is not inlined into the caller (its
/// frame must lie below, not inside, the caller's). Best effort: the writes cannot be optimised
/// away (`zeroize` writes volatilely), but registers and anything spilled elsewhere are not
/// covered.
#[inline(never)]
pub(crate) fn scrub_stack() {
    let mut area = [0u64; STACK_SCRUB_WORDS];
    area.zeroize();
    core::hint::black_box(&area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_secret_is_zero_and_wipes() {
        let mut s = new_secret();
        assert_eq!(**s, [0u8; LEN]);
        s[0] = 1;
        s.zeroize();
        assert_eq!(**s, [0u8; LEN]);
    }
}
