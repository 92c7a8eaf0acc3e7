//! The simulator's random values, all drawn from the seed in its configuration.

use auth_core::entropy::Entropy;

/// Independent streams per purpose, so that (for instance) an extra SRP draw does not change
/// the codes sent afterwards.
#[derive(Debug)]
pub(crate) struct Rng {
    /// Login, email and recovery codes of ordinary numbers.
    codes: Entropy,
    /// `phone_code_hash`es, tokens, access hashes, `srp_id`s, exported authorizations.
    ids: Entropy,
    /// SRP secrets `b`, salts, `secure_random`.
    pub(crate) srp: Entropy,
}

impl Rng {
    pub(crate) fn new(seed: [u8; 32]) -> Self {
        let mut root = Entropy::deterministic(seed);
        Rng {
            codes: root.fork(b"auth-sim/codes"),
            ids: root.fork(b"auth-sim/ids"),
            srp: root.fork(b"auth-sim/srp"),
        }
    }

    /// `len` decimal digits.
    pub(crate) fn digits(&mut self, len: usize) -> String {
        let mut bytes = vec![0u8; len];
        self.codes.fill(&mut bytes);
        // `b % 10` slightly favours 0..=5 (256 is not a multiple of 10): fine for a simulator.
        bytes.iter().map(|&b| char::from(b'0' + (b % 10))).collect()
    }

    /// `n` random bytes from the id stream.
    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        self.ids.fill(&mut out);
        out
    }

    /// `n` random bytes from the SRP stream.
    pub(crate) fn srp_bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        self.srp.fill(&mut out);
        out
    }

    /// A random lowercase hex string of `n` bytes.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        self.bytes(n).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A random non-zero `i64`.
    pub(crate) fn i64(&mut self) -> i64 {
        loop {
            let v = i64::from_be_bytes(self.ids.next_u64().to_be_bytes());
            if v != 0 {
                return v;
            }
        }
    }
}
