//! NumPy `.npy` version 1.0 files for one-dimensional little-endian arrays: the format the
//! native worker hands instances to foreign providers in (docs/providers.md).
//!
//! This module owns the byte layout (magic, version, padded header dict, raw data) and a
//! matching reader for tests and reuse checks. It must not know about probes or the cache.

use std::io::Write;

/// The magic string every `.npy` file starts with.
const MAGIC: &[u8] = b"\x93NUMPY";

/// Why a `.npy` file could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// Not a version 1.0 `.npy` file.
    #[error("not a version 1.0 .npy file")]
    BadMagic,
    /// The header dict is not the one-dimensional shape this module writes.
    #[error("unsupported .npy header `{0}`; only 1-d little-endian arrays are read")]
    BadHeader(String),
    /// Fewer data bytes than the header promises.
    #[error(".npy data is {got} bytes, the header promises {want}")]
    Truncated {
        /// Bytes present.
        got: usize,
        /// Bytes promised.
        want: usize,
    },
}

/// Bytes per element of a dtype this module writes.
pub fn item_size(dtype: &str) -> Option<usize> {
    match dtype {
        "<f4" => Some(4),
        "<f8" | "<u8" => Some(8),
        "|u1" => Some(1),
        _ => None,
    }
}

/// Writes a 1-d array of `len` elements of `dtype` whose little-endian bytes are `data`.
pub fn write(out: &mut impl Write, dtype: &str, len: usize, data: &[u8]) -> std::io::Result<()> {
    let dict = format!("{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({len},), }}");
    // Magic (6) + version (2) + header length (2) + dict + padding + '\n' is a multiple of 64,
    // as NumPy itself writes it, so the data starts aligned.
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let header_len = dict.len() + pad + 1;
    let header_len = u16::try_from(header_len)
        .map_err(|_| std::io::Error::other("npy header longer than 65535 bytes"))?;
    out.write_all(MAGIC)?;
    out.write_all(&[1, 0])?;
    out.write_all(&header_len.to_le_bytes())?;
    out.write_all(dict.as_bytes())?;
    out.write_all(&vec![b' '; pad])?;
    out.write_all(b"\n")?;
    out.write_all(data)
}

/// Reads back what [`write`] wrote: `(dtype, len, data)`.
pub fn read(bytes: &[u8]) -> Result<(String, usize, &[u8]), NpyError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC || bytes[6] != 1 {
        return Err(NpyError::BadMagic);
    }
    let hlen = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let header = bytes.get(10..10 + hlen).ok_or(NpyError::BadMagic)?;
    let header = String::from_utf8_lossy(header).trim().to_string();
    let field = |key: &str, end: char| {
        let start = header.find(key)? + key.len();
        let rest = &header[start..];
        Some(rest[..rest.find(end)?].to_string())
    };
    let bad = || NpyError::BadHeader(header.clone());
    let dtype = field("'descr': '", '\'').ok_or_else(bad)?;
    let len: usize = field("'shape': (", ',')
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(bad)?;
    let size = item_size(&dtype).ok_or_else(bad)?;
    let data = &bytes[10 + hlen..];
    if data.len() != len * size {
        return Err(NpyError::Truncated {
            got: data.len(),
            want: len * size,
        });
    }
    Ok((dtype, len, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_bytes_and_aligns_data() {
        let v: Vec<u8> = [1.5f32, -2.0, 3.25]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let mut buf = Vec::new();
        write(&mut buf, "<f4", 3, &v).expect("write to memory");
        assert_eq!(&buf[..8], b"\x93NUMPY\x01\x00");
        assert_eq!((buf.len() - v.len()) % 64, 0);
        assert_eq!(buf[buf.len() - v.len() - 1], b'\n');
        let (dtype, len, data) = read(&buf).expect("read back");
        assert_eq!((dtype.as_str(), len, data), ("<f4", 3, &v[..]));
    }

    #[test]
    fn header_is_the_dict_numpy_expects() {
        let mut buf = Vec::new();
        write(&mut buf, "<f8", 0, &[]).expect("write to memory");
        let text = String::from_utf8_lossy(&buf[10..]);
        assert!(text.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }"));
        assert!(matches!(read(&buf[..5]), Err(NpyError::BadMagic)));
        let mut short = Vec::new();
        write(&mut short, "<f8", 2, &[0u8; 8]).expect("write to memory");
        assert!(matches!(read(&short), Err(NpyError::Truncated { .. })));
    }
}
