//! Where the state machines draw their random bytes: the caller's [`Entropy`], or, in this
//! crate's unit tests only, a script of fixed byte strings (to replay the worked example of the
//! handshake with its published nonces and exponent).

use tg_crypto::entropy::Entropy;

pub(crate) enum Random {
    Entropy(Entropy),
    #[cfg(test)]
    Script(std::collections::VecDeque<Vec<u8>>),
}

impl Random {
    pub(crate) fn fill(&mut self, out: &mut [u8]) {
        match self {
            Random::Entropy(entropy) => entropy.fill(out),
            #[cfg(test)]
            Random::Script(script) => {
                let next = script.pop_front().expect("the script has another draw");
                assert_eq!(next.len(), out.len(), "scripted draw of the wrong length");
                out.copy_from_slice(&next);
            }
        }
    }

    pub(crate) fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }
}

impl From<Entropy> for Random {
    fn from(entropy: Entropy) -> Self {
        Random::Entropy(entropy)
    }
}

impl core::fmt::Debug for Random {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Random(<redacted>)")
    }
}
