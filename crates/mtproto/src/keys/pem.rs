//! PKCS#1 keys in PEM: just enough DER (a SEQUENCE of INTEGERs) to read and write
//! `RSAPublicKey` and to read `RSAPrivateKey` (RFC 8017, appendix A.1). Base64 is the `base64`
//! crate's.
//!
//! Every length is checked against the input before it is used, so a malformed file is a typed
//! error and nothing is allocated beyond the input's size.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::KeyError;

const TAG_INTEGER: u8 = 0x02;
const TAG_SEQUENCE: u8 = 0x30;

/// The DER bytes of the first `-----BEGIN {label}-----` block of `text`.
pub(super) fn decode(text: &str, label: &'static str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or(KeyError::NoPemBlock(label))? + begin.len();
    let stop = text[start..]
        .find(&end)
        .ok_or(KeyError::NoPemBlock(label))?
        + start;
    let body: Zeroizing<String> = Zeroizing::new(
        text[start..stop]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect(),
    );
    STANDARD
        .decode(body.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Base64)
}

/// `der` as a PEM block with 64-character lines, as OpenSSL writes it.
pub(super) fn encode(der: &[u8], label: &str) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A cursor over DER bytes.
pub(super) struct Der<'a> {
    buf: &'a [u8],
}

impl<'a> Der<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Der { buf }
    }

    fn element(&mut self, tag: u8) -> Result<&'a [u8], KeyError> {
        let (&found, rest) = self.buf.split_first().ok_or(KeyError::Der("truncated"))?;
        if found != tag {
            return Err(KeyError::Der("unexpected tag"));
        }
        let (&first, mut rest) = rest.split_first().ok_or(KeyError::Der("truncated"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return Err(KeyError::Der("bad length"));
            }
            let (digits, after) = rest.split_at(count);
            rest = after;
            digits
                .iter()
                .fold(0usize, |acc, &d| (acc << 8) | usize::from(d))
        };
        if rest.len() < len {
            return Err(KeyError::Der("length beyond the input"));
        }
        let (content, after) = rest.split_at(len);
        self.buf = after;
        Ok(content)
    }

    /// Enters a SEQUENCE; the caller reads its contents from the returned cursor.
    pub(super) fn sequence(&mut self) -> Result<Der<'a>, KeyError> {
        self.element(TAG_SEQUENCE).map(Der::new)
    }

    /// A non-negative INTEGER as big-endian bytes without leading zeros.
    pub(super) fn unsigned(&mut self) -> Result<&'a [u8], KeyError> {
        let content = self.element(TAG_INTEGER)?;
        match content.first() {
            None => Err(KeyError::Der("empty integer")),
            Some(b) if b & 0x80 != 0 => Err(KeyError::Der("negative integer")),
            Some(_) => {
                let start = content
                    .iter()
                    .position(|&b| b != 0)
                    .unwrap_or(content.len());
                Ok(&content[start..])
            }
        }
    }

    /// Fails unless everything was read.
    pub(super) fn finish(self) -> Result<(), KeyError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(KeyError::Der("trailing bytes"))
        }
    }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let digits: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&d| d == 0)
            .collect();
        out.push(0x80 | digits.len() as u8);
        out.extend_from_slice(&digits);
    }
}

/// A DER INTEGER holding the non-negative big-endian `value`.
pub(super) fn integer(value: &[u8]) -> Vec<u8> {
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    let value = &value[start..];
    let mut content = Vec::with_capacity(value.len() + 1);
    if value.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(value);
    let mut out = vec![TAG_INTEGER];
    push_len(&mut out, content.len());
    out.extend_from_slice(&content);
    out
}

/// A DER SEQUENCE of already-encoded elements.
pub(super) fn sequence(elements: &[Vec<u8>]) -> Vec<u8> {
    let len = elements.iter().map(Vec::len).sum();
    let mut out = vec![TAG_SEQUENCE];
    push_len(&mut out, len);
    for e in elements {
        out.extend_from_slice(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip() {
        for value in [
            &[0u8][..],
            &[1],
            &[0x7f],
            &[0x80],
            &[0, 0, 0x12, 0x34],
            &[0xff; 300],
        ] {
            let der = sequence(&[integer(value)]);
            let mut outer = Der::new(&der);
            let mut seq = outer.sequence().unwrap();
            let read = seq.unsigned().unwrap();
            let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
            assert_eq!(read, &value[start..]);
            seq.finish().unwrap();
            outer.finish().unwrap();
        }
    }

    #[test]
    fn malformed_der_is_an_error() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x02],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80],
            &[0x02, 0x01],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
        ] {
            let mut der = Der::new(bad);
            let ok = der
                .sequence()
                .and_then(|mut s| s.unsigned().map(|_| ()))
                .is_ok();
            assert!(!ok, "{bad:?}");
        }
        let negative = [0x30, 0x03, 0x02, 0x01, 0x80];
        assert_eq!(
            Der::new(&negative).sequence().unwrap().unsigned(),
            Err(KeyError::Der("negative integer"))
        );
    }

    #[test]
    fn pem_needs_its_label_and_valid_base64() {
        assert_eq!(
            decode("nothing here", "RSA PUBLIC KEY").map(|_| ()),
            Err(KeyError::NoPemBlock("RSA PUBLIC KEY"))
        );
        let text = "-----BEGIN X-----\n!!!!\n-----END X-----\n";
        assert_eq!(decode(text, "X").map(|_| ()), Err(KeyError::Base64));
        let text = encode(b"hello", "X");
        assert_eq!(&decode(&text, "X").unwrap()[..], b"hello");
    }
}
