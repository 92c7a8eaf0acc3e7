//! Safe 2048-bit primes other than Telegram's, for tests, benchmarks and the simulator.
//!
//! They are *not* in the built-in table of known primes, so validating them exercises the real
//! primality test (and the verdict cache).

/// RFC 3526 group 14 (2048-bit MODP): `2^2048 − 2^1984 − 1 + 2^64·(⌊2^1918·π⌋ + 124476)`,
/// big-endian hex. `p ≡ 7 (mod 8)`, so every `g` in 2..=7 passes the residue rule.
pub const MODP2048_P: &str = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";

/// RFC 7919 ffdhe2048: `2^2048 − 2^1984 + (⌊2^1918·e⌋ + 560316)·2^64 − 1`, big-endian hex.
pub const FFDHE2048_P: &str = "ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617ad3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797abc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f619172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff";

/// A crafted *composite* of 2048 bits that passes Miller–Rabin to base 2 (a strong pseudoprime to
/// base 2): `n = p1·p2` with `p1 = 1 + 2x` and `p2 = 1 + 4x` both prime ([`SPSP2_2048_P1`],
/// [`SPSP2_2048_P2`]), `x` searched until 2 is a strong liar. A primality test that is only
/// Miller–Rabin to base 2 accepts it as `p`; Baillie–PSW does not.
pub const SPSP2_2048: &str = "f19b682c95933b28d7222fbff96cf6e0330fdd12f6ef515a99e9cc9d621e444d81b35e92bf6a5593b385b185e8f4d42ef28729c85dadd4d725a1eebcaec48c6b7ca984778a986a79613e6395cc3adac3e6c61ae8d208c16fdf7890eefe099e2e83ca14efa9d1d0d8ce73b0e563ad98febe3cf96bcaf5b549fb9aa11a2e0d89adc2f81d3bbab2195ec918e2c27a87f30c80226ca7734c3f99b8e45e040eeac22e28ed2219f03f5a1031d65ffeff99c39869335ec776328bf9973cac4b37519363503edb1702fd11bb00f7a303259008afb18190dcc5145bc886b232a707f5347884dd2296beaa3895df5a2faba7d7dccb344339517a2d69f2f66851cd1c25318d";

/// The factor `p1 = 1 + 2x` of [`SPSP2_2048`], hex.
pub const SPSP2_2048_P1: &str = "afdb67e535008159d86ab6046e49ac671a9338b9d6873b8ade549c9a3542a2dec2768987bfc00c8b86efc88d219e90295a55c09659852c4c1f26c19ea9f0b674e01ff47093a4a76952ba5f6da271b1632e4920941c48e7133d1a86f54253e5242f2ad38b1e955a16567e77d609f187f11a844b2aa94ea4dbd0497c68fc839d25";

/// The factor `p2 = 1 + 4x` of [`SPSP2_2048`], hex.
pub const SPSP2_2048_P2: &str = "15fb6cfca6a0102b3b0d56c08dc9358ce35267173ad0e7715bca939346a8545bd84ed130f7f8019170ddf911a433d2052b4ab812cb30a58983e4d833d53e16ce9c03fe8e127494ed2a574bedb44e362c65c9241283891ce267a350dea84a7ca485e55a7163d2ab42cacfcefac13e30fe235089655529d49b7a092f8d1f9073a49";

/// Strong pseudoprimes to base 2 and, for the later ones, to every prime base up to 23 or 37
/// (decimal): Miller–Rabin with those fixed bases accepts them, Baillie–PSW does not.
pub const STRONG_PSEUDOPRIMES_TO_MANY_BASES: [&str; 7] = [
    "3215031751",
    "2152302898747",
    "3474749660383",
    "341550071728321",
    "3825123056546413051",
    "318665857834031151167461",
    "3317044064679887385961981",
];

/// Decodes one of the hex constants of this module into 256 bytes.
///
/// # Panics
///
/// If `hex` is not 512 hex digits (never for the constants of this module).
#[must_use]
pub fn decode(hex: &str) -> [u8; 256] {
    let mut out = [0u8; 256];
    assert_eq!(hex.len(), 512, "512 hex digits");
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex digit");
    }
    out
}
