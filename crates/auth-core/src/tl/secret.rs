//! Wiping storage for the secret fields of the generated TL types (codes, code hashes, tokens,
//! exported authorization bytes, passkey assertions, ...): zeroized on drop, printed as their
//! length only. They read like the `String` / `Vec<u8>` they hold and compare with them.

use std::ops::Deref;

use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::codec::SecretLen;

/// A secret TL `string`: zeroized on drop, redacted in `Debug`.
///
/// ```
/// use auth_core::tl::SecretString;
/// let hash = SecretString::from("code-hash");
/// assert_eq!(hash, "code-hash");
/// assert_eq!(hash.len(), 9);
/// assert_eq!(format!("{hash:?}"), "<redacted 9 bytes>");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

/// A secret TL `bytes` value: zeroized on drop, redacted in `Debug`.
///
/// ```
/// use auth_core::tl::SecretBytes;
/// let token = SecretBytes::from(vec![1, 2, 3]);
/// assert_eq!(token, [1, 2, 3]);
/// assert_eq!(format!("{token:?}"), "<redacted 3 bytes>");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

/// The inner `Zeroizing` wipes the string when it drops.
impl ZeroizeOnDrop for SecretString {}

/// The inner `Zeroizing` wipes the bytes when they drop.
impl ZeroizeOnDrop for SecretBytes {}

impl SecretString {
    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string, still wiped when dropped.
    pub fn into_inner(self) -> Zeroizing<String> {
        self.0
    }
}

impl SecretBytes {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, still wiped when dropped.
    pub fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl Deref for SecretString {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Deref for SecretBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<String> for SecretString {
    /// Takes the string's buffer: nothing is copied.
    fn from(s: String) -> Self {
        SecretString(Zeroizing::new(s))
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        SecretString(Zeroizing::new(s.to_owned()))
    }
}

impl From<Zeroizing<String>> for SecretString {
    fn from(s: Zeroizing<String>) -> Self {
        SecretString(s)
    }
}

impl From<Vec<u8>> for SecretBytes {
    /// Takes the vector's buffer: nothing is copied.
    fn from(b: Vec<u8>) -> Self {
        SecretBytes(Zeroizing::new(b))
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(b: &[u8]) -> Self {
        SecretBytes(Zeroizing::new(b.to_vec()))
    }
}

impl<const N: usize> From<[u8; N]> for SecretBytes {
    fn from(b: [u8; N]) -> Self {
        SecretBytes(Zeroizing::new(b.to_vec()))
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBytes {
    fn from(b: Zeroizing<Vec<u8>>) -> Self {
        SecretBytes(b)
    }
}

impl PartialEq<str> for SecretString {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for SecretString {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

impl PartialEq<String> for SecretString {
    fn eq(&self, other: &String) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<[u8]> for SecretBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.0.as_slice() == other
    }
}

impl PartialEq<Vec<u8>> for SecretBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        *self.0 == *other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for SecretBytes {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.0.as_slice() == other
    }
}

impl PartialEq<SecretString> for str {
    fn eq(&self, other: &SecretString) -> bool {
        other == self
    }
}

impl PartialEq<SecretString> for &str {
    fn eq(&self, other: &SecretString) -> bool {
        other == self
    }
}

impl PartialEq<SecretString> for String {
    fn eq(&self, other: &SecretString) -> bool {
        other == self
    }
}

impl PartialEq<SecretBytes> for [u8] {
    fn eq(&self, other: &SecretBytes) -> bool {
        other == self
    }
}

impl PartialEq<SecretBytes> for Vec<u8> {
    fn eq(&self, other: &SecretBytes) -> bool {
        other == self
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<redacted {} bytes>", self.0.len())
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<redacted {} bytes>", self.0.len())
    }
}

impl SecretLen for SecretString {
    fn secret_len(&self) -> usize {
        self.0.len()
    }
}

impl SecretLen for SecretBytes {
    fn secret_len(&self) -> usize {
        self.0.len()
    }
}

/// A passkey's `client_data` or login `options` (`DataJSON`): the JSON's length.
impl SecretLen for super::enums::DataJSON {
    fn secret_len(&self) -> usize {
        let super::enums::DataJSON::DataJSON(json) = self;
        json.data.len()
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for SecretString {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        String::arbitrary(u).map(Self::from)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for SecretBytes {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Vec::<u8>::arbitrary(u).map(Self::from)
    }
}
