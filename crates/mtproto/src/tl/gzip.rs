//! `gzip_packed` bodies: flate2's gzip, with a bound on what a peer can make us inflate.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// The largest object a `gzip_packed` may inflate to. A packed object is an RPC result or an
/// update; anything larger is refused rather than allocated.
pub const MAX_UNPACKED_LEN: usize = 16 << 20;

/// Why a `gzip_packed` body could not be inflated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GzipError {
    /// The data is not a valid gzip stream.
    #[error("gzip_packed data is not a valid gzip stream")]
    Corrupt,
    /// It inflates beyond [`MAX_UNPACKED_LEN`].
    #[error("gzip_packed data inflates beyond {MAX_UNPACKED_LEN} bytes")]
    TooLarge,
}

/// Inflates `packed`, refusing output beyond [`MAX_UNPACKED_LEN`].
pub(crate) fn unpack(packed: &[u8]) -> Result<Vec<u8>, GzipError> {
    let mut out = Vec::new();
    GzDecoder::new(packed)
        .take(MAX_UNPACKED_LEN as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| GzipError::Corrupt)?;
    if out.len() > MAX_UNPACKED_LEN {
        return Err(GzipError::TooLarge);
    }
    Ok(out)
}

/// Deflates `data` into a gzip stream.
pub(crate) fn pack(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(data.len() / 2 + 32),
        Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let data: Vec<u8> = (0..5000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        let packed = pack(&data);
        assert!(packed.len() < data.len());
        assert_eq!(unpack(&packed).unwrap(), data);
        assert_eq!(unpack(b"not gzip"), Err(GzipError::Corrupt));
        let bomb = pack(&vec![0u8; MAX_UNPACKED_LEN + 1]);
        assert_eq!(unpack(&bomb), Err(GzipError::TooLarge));
    }
}
