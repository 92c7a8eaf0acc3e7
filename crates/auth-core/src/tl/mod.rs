//! Telegram's TL schema at layer 228: the authorization functions and every type needed to
//! decode their results.
//!
//! The types are generated from `schema/auth.tl` by the `tl-gen` crate (a test checks the
//! checked-in file is what the generator produces, and that every id matches Telegram's CRC32
//! rule). Decoding is safe against hostile bytes: see [`codec`].
//!
//! * [`types`]: one struct per constructor; [`enums`]: one enum per boxed type;
//!   [`functions`]: one struct per API function, each implementing [`RemoteCall`].
//! * [`decode`] reads a whole object and rejects trailing bytes.
//!
//! ```
//! use auth_core::tl::{self, Serialize, functions, enums};
//! let call = functions::auth::CancelCode {
//!     phone_number: "99966 1 1234".into(),
//!     phone_code_hash: "hash".into(),
//! };
//! let bytes = call.to_bytes();
//! assert_eq!(&bytes[..4], &0x1f040578u32.to_le_bytes());
//! let back: functions::auth::CancelCode = tl::decode(&bytes).unwrap();
//! assert_eq!(back, call);
//! // Reply type of the call, decoded strictly:
//! let reply: bool = tl::decode(&[0xb5, 0x75, 0x72, 0x99]).unwrap();
//! assert!(reply);
//! # let _ = std::marker::PhantomData::<enums::auth::SentCode>;
//! ```

/// The bounded reader and wire primitives (the `tl-codec` crate, shared with the MTProto crate).
pub use tl_codec as codec;
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, unused_variables)]
mod generated;

pub use codec::{
    DecodeError, Deserialize, Identifiable, RawObject, Reader, RemoteCall, SchemaEntry, Serialize,
    decode,
};
pub use generated::{DEFINITIONS, decode_result_of, enums, functions, reencode_boxed, types};
#[cfg(feature = "arbitrary")]
#[doc(hidden)]
pub use generated::{arbitrary_encoded, arbitrary_roundtrip};

/// The API layer these types were generated from; an MTProto session declares it with
/// `invokeWithLayer`.
pub const LAYER: i32 = 228;
