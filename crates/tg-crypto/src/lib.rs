//! Entropy and Diffie–Hellman group checks shared by `auth-core` (SRP 2FA) and `mtproto` (the
//! auth-key handshake): both must refuse the same bad primes, generators and public values, and
//! both draw their secrets from a caller-given seed rather than the OS.
//!
//! * [`entropy`]: a deterministic stream of random bytes from a caller-given seed;
//! * [`safe_prime`]: is `p` a safe 2048-bit prime (a built-in table, a bounded verdict cache,
//!   a primality proof for anything else);
//! * [`dh`]: is `g` a generator of the prime-order subgroup, is a public value in the safe range;
//! * [`modp`]: constant-time powers modulo `p` with secret exponents, into wiped storage;
//! * [`primality`]: the probable-prime test behind them, for other public numbers.
//!
//! No IO, no clock, no OS randomness.
//!
//! ```
//! use num_bigint::BigUint;
//! use tg_crypto::{dh, safe_prime};
//!
//! safe_prime::validate_p(&safe_prime::TELEGRAM_P)?;
//! let p = BigUint::from_bytes_be(&safe_prime::TELEGRAM_P);
//! assert_eq!(dh::check_generator(3, &p), Ok(3));
//! assert!(!dh::SafeRange::new(&p).contains(&BigUint::from(2u32)));
//! # Ok::<(), tg_crypto::safe_prime::PrimeError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dh;
pub mod entropy;
pub mod modp;
pub mod primality;
pub mod safe_prime;
#[doc(hidden)]
pub mod test_primes;
