//! The hand-written half of the TL layer: a bounded reader and the wire primitives.
//!
//! The generated types call into this module only. Primitive encodings come from
//! `tl-proto`; what `tl-proto` 0.5 does not guard against (allocation trusted from a vector
//! length, unbounded nesting, no UTF-8 check, trailing bytes ignored) is handled here, once.

use tl_proto::{TlRead, TlWrite};

/// Constructor id of the boxed `vector` (`vector#1cb5c415`).
pub const VECTOR_ID: u32 = 0x1cb5_c415;

/// How deep boxed objects may nest inside one another before decoding gives up.
///
/// The deepest legitimate auth result (an `account.emailVerifiedLogin` carrying a
/// `auth.sentCodeSuccess` carrying a `user` with its emoji status) nests fewer than 8 levels.
pub const MAX_DEPTH: u32 = 32;

/// Preallocation bound for vectors: never reserve more elements than this up front,
/// whatever length the peer claims; larger vectors grow as their items actually decode.
pub const MAX_PREALLOC: usize = 64;

/// Why bytes could not be decoded as the expected TL object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended in the middle of an object.
    #[error("unexpected end of input")]
    UnexpectedEof,
    /// A boxed object carried a constructor id that the expected type does not have.
    #[error("unknown constructor id {id:#010x} for type {expected}")]
    UnknownConstructor {
        /// The id found on the wire.
        id: u32,
        /// The schema name of the type that was expected.
        expected: &'static str,
    },
    /// A `Bool` was neither `boolTrue` nor `boolFalse`.
    #[error("invalid Bool constructor {0:#010x}")]
    InvalidBool(u32),
    /// A `Vector` did not start with the `vector` constructor id.
    #[error("expected a vector, found constructor {0:#010x}")]
    NotAVector(u32),
    /// A vector claims more elements than the remaining input could hold.
    #[error("vector length {0} exceeds the remaining input")]
    VectorTooLong(u32),
    /// A `bytes`/`string` length prefix of 255, which TL does not define (254 introduces a
    /// 3-byte length; 0..=253 are lengths).
    #[error("invalid bytes length prefix 255")]
    BadLengthPrefix,
    /// A `string` field was not valid UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// Boxed objects nested deeper than [`MAX_DEPTH`].
    #[error("objects nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// A whole object was decoded but bytes remained after it.
    #[error("{0} trailing bytes after a complete object")]
    TrailingBytes(usize),
}

/// A cursor over TL bytes that tracks nesting depth.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    depth: u32,
}

impl<'a> Reader<'a> {
    /// Starts reading `buf` at depth zero.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, depth: 0 }
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    /// Fails unless every byte was consumed.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.buf.len() {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }

    fn prim<T: TlRead<'a>>(&mut self) -> Result<T, DecodeError> {
        T::read_from(&mut self.buf).map_err(|_| DecodeError::UnexpectedEof)
    }

    /// Reads a little-endian `int`.
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        self.prim()
    }

    /// Reads a constructor id or flags word.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        self.prim()
    }

    /// Peeks at the next constructor id without consuming it.
    pub fn peek_u32(&self) -> Result<u32, DecodeError> {
        let mut probe = self.buf;
        u32::read_from(&mut probe).map_err(|_| DecodeError::UnexpectedEof)
    }

    /// Reads a little-endian `long`.
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        self.prim()
    }

    /// Reads a `double`.
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        self.prim()
    }

    /// Reads `int128` / `int256` as raw bytes.
    pub fn fixed<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.prim()
    }

    /// Reads a boxed `Bool`.
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.u32()? {
            BOOL_TRUE => Ok(true),
            BOOL_FALSE => Ok(false),
            other => Err(DecodeError::InvalidBool(other)),
        }
    }

    /// Reads `bytes`, borrowing from the input.
    pub fn bytes_ref(&mut self) -> Result<&'a [u8], DecodeError> {
        // tl-proto reads a first byte of 255 as a one-byte length; TL reserves it.
        if self.buf.first() == Some(&255) {
            return Err(DecodeError::BadLengthPrefix);
        }
        self.prim()
    }

    /// Reads `bytes` into an owned buffer (sized by what was actually present).
    pub fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        self.bytes_ref().map(<[u8]>::to_vec)
    }

    /// Reads a `string`, which must be UTF-8.
    pub fn string(&mut self) -> Result<String, DecodeError> {
        let raw = self.bytes_ref()?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8)
    }

    /// Reads a boxed `Vector<T>` with `item` decoding each element.
    ///
    /// Every element takes at least four bytes on the wire, so a claimed length larger than a
    /// quarter of the remaining input is rejected before anything is allocated, and at most
    /// [`MAX_PREALLOC`] slots are reserved up front.
    pub fn vector<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let id = self.u32()?;
        if id != VECTOR_ID {
            return Err(DecodeError::NotAVector(id));
        }
        let len = self.u32()?;
        if (len as usize).saturating_mul(4) > self.buf.len() {
            return Err(DecodeError::VectorTooLong(len));
        }
        let mut items = Vec::with_capacity((len as usize).min(MAX_PREALLOC));
        for _ in 0..len {
            items.push(item(self)?);
        }
        Ok(items)
    }

    /// Enters one level of boxed nesting.
    pub fn enter(&mut self) -> Result<(), DecodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves one level of boxed nesting.
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

const BOOL_TRUE: u32 = 0x9972_75b5;
const BOOL_FALSE: u32 = 0xbc79_9737;

/// Appends TL encodings to a byte buffer.
pub mod write {
    use super::{TlWrite, VECTOR_ID};

    /// Writes an `int`.
    pub fn i32(out: &mut Vec<u8>, v: i32) {
        v.write_to(out);
    }
    /// Writes a constructor id or flags word.
    pub fn u32(out: &mut Vec<u8>, v: u32) {
        v.write_to(out);
    }
    /// Writes a `long`.
    pub fn i64(out: &mut Vec<u8>, v: i64) {
        v.write_to(out);
    }
    /// Writes a `double`.
    pub fn f64(out: &mut Vec<u8>, v: f64) {
        v.write_to(out);
    }
    /// Writes `int128` / `int256`.
    pub fn fixed<const N: usize>(out: &mut Vec<u8>, v: &[u8; N]) {
        out.extend_from_slice(v);
    }
    /// Writes a boxed `Bool`.
    pub fn bool(out: &mut Vec<u8>, v: bool) {
        v.write_to(out);
    }
    /// Writes `bytes` (or a `string`'s UTF-8 bytes).
    pub fn bytes(out: &mut Vec<u8>, v: &[u8]) {
        v.write_to(out);
    }
    /// Writes a boxed `Vector<T>`.
    pub fn vector<T>(out: &mut Vec<u8>, items: &[T], mut item: impl FnMut(&mut Vec<u8>, &T)) {
        u32(out, VECTOR_ID);
        // A vector longer than u32::MAX cannot be encoded; such a value cannot exist in memory
        // for any element type we use, so truncating here is unreachable in practice.
        u32(out, u32::try_from(items.len()).unwrap_or(u32::MAX));
        for it in items {
            item(out, it);
        }
    }
}

/// A TL value that can be written to the wire.
pub trait Serialize {
    /// Appends this value's TL encoding to `out`.
    fn serialize(&self, out: &mut Vec<u8>);

    /// This value's TL encoding in a new buffer.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.serialize(&mut out);
        out
    }
}

/// A TL value that can be read from the wire.
pub trait Deserialize: Sized {
    /// Reads one value, leaving the reader after it.
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// A bare constructor: its id and schema name.
pub trait Identifiable {
    /// The constructor (or function) id, by Telegram's CRC32 rule.
    const CONSTRUCTOR_ID: u32;
    /// The schema name, e.g. `auth.sentCode`.
    const NAME: &'static str;
}

/// An API function: serialised with its id, answered by a value of type `Return`.
pub trait RemoteCall: Serialize + Identifiable {
    /// What a successful call returns.
    type Return: Deserialize;
}

/// Decodes a whole object: every byte of `bytes` must belong to it.
pub fn decode<T: Deserialize>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let value = T::deserialize(&mut r)?;
    r.finish()?;
    Ok(value)
}

/// The reply of a function whose result type lies outside the authorization schema
/// (for example `help.getConfig`'s `Config`): kept as raw TL bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct RawObject(pub Vec<u8>);

impl std::fmt::Debug for RawObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawObject({} bytes)", self.0.len())
    }
}

impl Serialize for RawObject {
    fn serialize(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

impl Deserialize for RawObject {
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let rest = r.remaining();
        r.buf = &[];
        Ok(RawObject(rest.to_vec()))
    }
}

/// Prints a secret field as its length only.
pub(crate) struct Redacted(pub usize);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<redacted {} bytes>", self.0)
    }
}

/// Length of a secret value, for [`Redacted`].
pub(crate) trait SecretLen {
    fn secret_len(&self) -> usize;
}
impl SecretLen for String {
    fn secret_len(&self) -> usize {
        self.len()
    }
}
impl SecretLen for Vec<u8> {
    fn secret_len(&self) -> usize {
        self.len()
    }
}
impl<T: SecretLen> SecretLen for Vec<T> {
    fn secret_len(&self) -> usize {
        self.iter().map(SecretLen::secret_len).sum()
    }
}
impl<T: SecretLen> SecretLen for Option<T> {
    fn secret_len(&self) -> usize {
        self.as_ref().map_or(0, SecretLen::secret_len)
    }
}

/// One generated definition, for lookups by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaEntry {
    /// Schema name, e.g. `auth.sendCode`.
    pub name: &'static str,
    /// Constructor or function id.
    pub id: u32,
    /// Whether it is an API function.
    pub is_function: bool,
}

impl Serialize for bool {
    fn serialize(&self, out: &mut Vec<u8>) {
        write::bool(out, *self);
    }
}

impl Deserialize for bool {
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.bool()
    }
}

impl Deserialize for i64 {
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.i64()
    }
}

impl Deserialize for i32 {
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.i32()
    }
}

impl<T: Deserialize> Deserialize for Vec<T> {
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.vector(T::deserialize)
    }
}
