//! The servers' RSA keys: public keys (with Telegram's built in) for the client half of the
//! handshake, private keys for the server half, PKCS#1 PEM read and written.
//!
//! The handshake needs 2048-bit moduli (RSA_PAD produces exactly 256 bytes), so other sizes are
//! refused when a key is built.

mod pem;

use num_bigint::BigUint;
use num_traits::One;
use zeroize::Zeroizing;

use crate::crypto::sha1;

/// Why a key could not be read or built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text holds no PEM block with the expected label.
    #[error("no `-----BEGIN {0}-----` block")]
    NoPemBlock(&'static str),
    /// The PEM body is not valid base64.
    #[error("the PEM body is not valid base64")]
    Base64,
    /// The DER structure is malformed.
    #[error("malformed DER: {0}")]
    Der(&'static str),
    /// The modulus is not exactly 2048 bits long.
    #[error("the modulus is not a 2048-bit number")]
    NotA2048BitModulus,
    /// The public exponent is even or below 3.
    #[error("the public exponent is not an odd number of at least 3")]
    BadExponent,
    /// The private key's numbers do not fit together (n ≠ p·q, or the CRT values are wrong).
    #[error("the private key's components are inconsistent")]
    Inconsistent,
}

/// The label of PKCS#1 public keys, the format Telegram publishes its keys in.
pub const PUBLIC_KEY_LABEL: &str = "RSA PUBLIC KEY";
/// The label of PKCS#1 private keys (`openssl genrsa -traditional`).
pub const PRIVATE_KEY_LABEL: &str = "RSA PRIVATE KEY";

/// Telegram's production server key (fingerprint `0xd09d1d85de64fd85`), as published in tdlib
/// and Telegram Desktop.
pub const TELEGRAM_PRODUCTION_KEY_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Telegram's test-server key (fingerprint `0xb25898df208d2603`), as published in tdlib,
/// Telegram Desktop and Telegram for Android.
pub const TELEGRAM_TEST_KEY_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB
-----END RSA PUBLIC KEY-----
";

/// **TEST ONLY — NOT SECRET.** A 2048-bit RSA private key generated for this repository's tests
/// and simulator (`openssl genrsa -traditional 2048`). Anyone can read it, so it protects nothing:
/// never configure it on a server that real clients use.
pub const TEST_ONLY_SERVER_KEY_PEM: &str = include_str!("../../keys/test-server-key.TEST-ONLY.pem");

/// An RSA public key of a server, identified by its fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: BigUint,
    e: BigUint,
    fingerprint: i64,
}

impl RsaPublicKey {
    /// Builds a key from its big-endian modulus and exponent.
    ///
    /// # Errors
    ///
    /// [`KeyError::NotA2048BitModulus`] or [`KeyError::BadExponent`].
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let n = BigUint::from_bytes_be(n);
        let e = BigUint::from_bytes_be(e);
        if n.bits() != 2048 {
            return Err(KeyError::NotA2048BitModulus);
        }
        if e < BigUint::from(3u32) || !e.bit(0) || e >= n {
            return Err(KeyError::BadExponent);
        }
        let fingerprint = fingerprint(&n, &e);
        Ok(RsaPublicKey { n, e, fingerprint })
    }

    /// Reads a PKCS#1 `-----BEGIN RSA PUBLIC KEY-----` block.
    ///
    /// # Errors
    ///
    /// Any [`KeyError`] but [`KeyError::Inconsistent`].
    pub fn from_pkcs1_pem(text: &str) -> Result<Self, KeyError> {
        let der = pem::decode(text, PUBLIC_KEY_LABEL)?;
        let mut outer = pem::Der::new(&der);
        let mut seq = outer.sequence()?;
        let n = seq.unsigned()?;
        let e = seq.unsigned()?;
        seq.finish()?;
        outer.finish()?;
        Self::from_components(n, e)
    }

    /// Writes the key as a PKCS#1 `-----BEGIN RSA PUBLIC KEY-----` block, the format Telegram
    /// publishes its keys in (byte for byte what `openssl rsa -RSAPublicKey_out` writes).
    #[must_use]
    pub fn to_pkcs1_pem(&self) -> String {
        let der = pem::sequence(&[
            pem::integer(&self.n.to_bytes_be()),
            pem::integer(&self.e.to_bytes_be()),
        ]);
        pem::encode(&der, PUBLIC_KEY_LABEL)
    }

    /// Telegram's production key.
    #[must_use]
    pub fn telegram_production() -> Self {
        Self::from_pkcs1_pem(TELEGRAM_PRODUCTION_KEY_PEM).expect("the built-in key parses (tested)")
    }

    /// Telegram's test-server key.
    #[must_use]
    pub fn telegram_test() -> Self {
        Self::from_pkcs1_pem(TELEGRAM_TEST_KEY_PEM).expect("the built-in key parses (tested)")
    }

    /// The 64 lower-order bits of SHA1 of the key as the bare TL `rsa_public_key n:string
    /// e:string`, as the signed little-endian `long` of `resPQ` and `req_DH_params`.
    #[must_use]
    pub fn fingerprint(&self) -> i64 {
        self.fingerprint
    }

    /// The modulus, big-endian (256 bytes).
    #[must_use]
    pub fn modulus(&self) -> Vec<u8> {
        self.n.to_bytes_be()
    }

    /// `m^e mod n` for a 256-byte big-endian `m < n`, as 256 big-endian bytes.
    pub(crate) fn encrypt_raw(&self, m: &[u8; 256]) -> Option<[u8; 256]> {
        let m = BigUint::from_bytes_be(m);
        if m >= self.n {
            return None;
        }
        Some(to_256(&m.modpow(&self.e, &self.n)))
    }
}

impl core::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("fingerprint", &format_args!("{:#018x}", self.fingerprint))
            .finish_non_exhaustive()
    }
}

fn fingerprint(n: &BigUint, e: &BigUint) -> i64 {
    let mut tl = Vec::with_capacity(264);
    tl_codec::write::bytes(&mut tl, &n.to_bytes_be());
    tl_codec::write::bytes(&mut tl, &e.to_bytes_be());
    let sha = sha1(&[&tl]);
    let mut low = [0u8; 8];
    low.copy_from_slice(&sha[12..20]);
    i64::from_le_bytes(low)
}

/// `x` (known to be below 2^2048) as exactly 256 big-endian bytes.
pub(crate) fn to_256(x: &BigUint) -> [u8; 256] {
    let bytes = x.to_bytes_be();
    let mut out = [0u8; 256];
    let len = bytes.len().min(256);
    out[256 - len..].copy_from_slice(&bytes[bytes.len() - len..]);
    out
}

/// An RSA private key of a server (the server half of the handshake decrypts with it).
///
/// The private numbers are kept as bytes that are wiped on drop (`num-bigint` values cannot be
/// wiped, so they only exist while a decryption runs); `Debug` prints the fingerprint only.
#[derive(Clone)]
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    p: Zeroizing<Vec<u8>>,
    q: Zeroizing<Vec<u8>>,
    dp: Zeroizing<Vec<u8>>,
    dq: Zeroizing<Vec<u8>>,
    qinv: Zeroizing<Vec<u8>>,
}

impl RsaPrivateKey {
    /// Reads a PKCS#1 `-----BEGIN RSA PRIVATE KEY-----` block (`openssl genrsa -traditional`)
    /// and checks that its numbers fit together.
    ///
    /// # Errors
    ///
    /// Any [`KeyError`].
    pub fn from_pkcs1_pem(text: &str) -> Result<Self, KeyError> {
        let der = pem::decode(text, PRIVATE_KEY_LABEL)?;
        let mut outer = pem::Der::new(&der);
        let mut seq = outer.sequence()?;
        if !seq.unsigned()?.is_empty() {
            return Err(KeyError::Der("unsupported version (multi-prime key)"));
        }
        let n = seq.unsigned()?;
        let e = seq.unsigned()?;
        let _d = seq.unsigned()?;
        let p = seq.unsigned()?;
        let q = seq.unsigned()?;
        let dp = seq.unsigned()?;
        let dq = seq.unsigned()?;
        let qinv = seq.unsigned()?;
        seq.finish()?;
        outer.finish()?;
        let public = RsaPublicKey::from_components(n, e)?;
        let key = RsaPrivateKey {
            public,
            p: Zeroizing::new(p.to_vec()),
            q: Zeroizing::new(q.to_vec()),
            dp: Zeroizing::new(dp.to_vec()),
            dq: Zeroizing::new(dq.to_vec()),
            qinv: Zeroizing::new(qinv.to_vec()),
        };
        key.check()?;
        Ok(key)
    }

    /// **TEST ONLY.** The repository's test server key ([`TEST_ONLY_SERVER_KEY_PEM`]), which the
    /// simulator and the tests use. It is public: it secures nothing.
    #[must_use]
    pub fn test_only_server_key() -> Self {
        Self::from_pkcs1_pem(TEST_ONLY_SERVER_KEY_PEM).expect("the test key parses (tested)")
    }

    /// The public half, for clients (and [`RsaPublicKey::to_pkcs1_pem`]).
    #[must_use]
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }

    /// The public key's fingerprint.
    #[must_use]
    pub fn fingerprint(&self) -> i64 {
        self.public.fingerprint
    }

    fn check(&self) -> Result<(), KeyError> {
        let one = BigUint::one();
        let p = BigUint::from_bytes_be(&self.p);
        let q = BigUint::from_bytes_be(&self.q);
        if p <= one || q <= one || &p * &q != self.public.n {
            return Err(KeyError::Inconsistent);
        }
        let e = &self.public.e;
        let dp = BigUint::from_bytes_be(&self.dp);
        let dq = BigUint::from_bytes_be(&self.dq);
        let qinv = BigUint::from_bytes_be(&self.qinv);
        let p1 = &p - 1u32;
        let q1 = &q - 1u32;
        if (e * &dp) % &p1 != one || (e * &dq) % &q1 != one || (&qinv * &q) % &p != one {
            return Err(KeyError::Inconsistent);
        }
        Ok(())
    }

    /// `c^d mod n` by the Chinese remainder theorem, for a big-endian `c < n`, as 256 bytes.
    pub(crate) fn decrypt_raw(&self, c: &[u8]) -> Option<Zeroizing<[u8; 256]>> {
        let c = BigUint::from_bytes_be(c);
        if c >= self.public.n {
            return None;
        }
        let p = BigUint::from_bytes_be(&self.p);
        let q = BigUint::from_bytes_be(&self.q);
        let m1 = (&c % &p).modpow(&BigUint::from_bytes_be(&self.dp), &p);
        let m2 = (&c % &q).modpow(&BigUint::from_bytes_be(&self.dq), &q);
        // h = qinv · (m1 − m2) mod p, with the difference taken modulo p.
        let diff = if m1 >= m2 {
            &m1 - &m2
        } else {
            &p - ((&m2 - &m1) % &p)
        };
        let h = (BigUint::from_bytes_be(&self.qinv) * diff) % &p;
        let m = m2 + h * &q;
        Some(Zeroizing::new(to_256(&m)))
    }
}

impl core::fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("fingerprint", &format_args!("{:#018x}", self.fingerprint()))
            .field("private", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_fingerprints_match_the_published_values() {
        assert_eq!(
            RsaPublicKey::telegram_production().fingerprint() as u64,
            0xd09d1d85de64fd85
        );
        assert_eq!(
            RsaPublicKey::telegram_test().fingerprint() as u64,
            0xb25898df208d2603
        );
        // The third key of ../shared/mtproto-keys.md, a second check of the method.
        let android = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAxF//0M0+/5PzgdNagTX+J+dJgr75ZCTuiG8i4x7YwmJF+jiOGCjm
7X7BLCaMc1+hOZYDL3+Gvle/AKykW1qouaCJMVx/H+2l8LFXLelZ2PLawTb8A7Bl
TqWzL3db5BugMNWziL9TuhR8In1bwKY07QVpR9in5zjAsAGLBk+mGt0DnVyMf1Xo
p2lLCFNmm0F4ykcAeaLCCIPbGWddliLY8xEEhI4GO2l1U3kZMwIOdOnAGJFtgUAo
Te+FHR6F1s9adCVZB1teL/hf9R+WmekJwygVz0MYEH7y6U49T45+/W7OF6X6g0W0
j1uSSrsY4qN7twxbTad9zdGZ7ys+9v+PuQIDAQAB
-----END RSA PUBLIC KEY-----";
        assert_eq!(
            RsaPublicKey::from_pkcs1_pem(android).unwrap().fingerprint() as u64,
            0x9dbe5a4c45febeff
        );
    }

    #[test]
    fn pem_round_trips_byte_for_byte() {
        for pem in [TELEGRAM_PRODUCTION_KEY_PEM, TELEGRAM_TEST_KEY_PEM] {
            assert_eq!(
                RsaPublicKey::from_pkcs1_pem(pem).unwrap().to_pkcs1_pem(),
                pem
            );
        }
        // What `openssl rsa -RSAPublicKey_out` wrote for the test key.
        let openssl = include_str!("../../keys/test-server-key.TEST-ONLY.pub.pem");
        let key = RsaPrivateKey::test_only_server_key();
        assert_eq!(key.public_key().to_pkcs1_pem(), openssl);
    }

    #[test]
    fn private_key_inverts_public_key() {
        let key = RsaPrivateKey::test_only_server_key();
        let mut m = [0u8; 256];
        m[1..]
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = i as u8);
        let c = key.public_key().encrypt_raw(&m).unwrap();
        assert_ne!(c, m);
        assert_eq!(*key.decrypt_raw(&c).unwrap(), m);
        assert!(key.decrypt_raw(&[0xff; 256]).is_none(), "c ≥ n is refused");
        assert!(format!("{key:?}").contains("redacted"));
    }

    #[test]
    fn bad_keys_are_typed_errors() {
        assert_eq!(
            RsaPublicKey::from_components(&[0xff; 128], &[1, 0, 1]),
            Err(KeyError::NotA2048BitModulus)
        );
        assert_eq!(
            RsaPublicKey::from_components(&[0xff; 256], &[2]),
            Err(KeyError::BadExponent)
        );
        // A private key whose p was altered.
        let der = pem::decode(TEST_ONLY_SERVER_KEY_PEM, PRIVATE_KEY_LABEL).unwrap();
        let mut seq = pem::Der::new(&der).sequence().unwrap();
        let mut parts: Vec<Vec<u8>> = (0..9).map(|_| seq.unsigned().unwrap().to_vec()).collect();
        let last = parts[4].len() - 1;
        parts[4][last] ^= 2;
        let encoded: Vec<Vec<u8>> = parts.iter().map(|p| pem::integer(p)).collect();
        let text = pem::encode(&pem::sequence(&encoded), PRIVATE_KEY_LABEL);
        assert_eq!(
            RsaPrivateKey::from_pkcs1_pem(&text).map(|_| ()),
            Err(KeyError::Inconsistent)
        );
        assert_eq!(
            RsaPrivateKey::from_pkcs1_pem(TELEGRAM_TEST_KEY_PEM).map(|_| ()),
            Err(KeyError::NoPemBlock(PRIVATE_KEY_LABEL))
        );
    }
}
