//! The wire primitives every record of the format is written and read with:
//! little-endian integers (fixed, or of 1 to 4 bytes), and a bounds-checked
//! cursor that reports a damaged section instead of panicking.
//!
//! Each record type of the format lives next to its own writer, reader and
//! validation (the `artifact` and `names`/`ip` modules); this module only
//! knows bytes.

use crate::error::{Error, Result};

use super::section::SectionId;

/// Appends little-endian integers to a byte vector.
pub(crate) trait Put {
    /// Appends one byte.
    fn put_u8(&mut self, v: u8);
    /// Appends a little-endian `u16`.
    fn put_u16(&mut self, v: u16);
    /// Appends a little-endian `u32`.
    fn put_u32(&mut self, v: u32);
    /// Appends a little-endian `u64`.
    fn put_u64(&mut self, v: u64);
    /// Appends a little-endian `u128`.
    fn put_u128(&mut self, v: u128);
}

impl Put for Vec<u8> {
    #[inline]
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    #[inline]
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn put_u128(&mut self, v: u128) {
        self.extend_from_slice(&v.to_le_bytes());
    }
}

/// Bytes of the shortest little-endian form of `v` (1 to 4).
#[inline]
pub(crate) fn uint_len(v: u32) -> usize {
    (4 - v.leading_zeros() as usize / 8).max(1)
}

/// Appends the `len`-byte little-endian form of `v`.
#[inline]
pub(crate) fn put_uint(out: &mut Vec<u8>, v: u32, len: usize) {
    out.extend_from_slice(&v.to_le_bytes()[..len]);
}

/// Reads a `len`-byte (1 to 4) little-endian integer at the start of `b`.
#[inline]
pub(crate) fn uint_at(b: &[u8], len: usize) -> Option<u32> {
    let s = b.get(..len)?;
    let mut a = [0u8; 4];
    a[..len].copy_from_slice(s);
    Some(u32::from_le_bytes(a))
}

/// A bounds-checked cursor over one section's bytes.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    section: SectionId,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `bytes`, which belong to `section`.
    pub(crate) fn new(bytes: &'a [u8], section: SectionId) -> Self {
        Reader {
            bytes,
            pos: 0,
            section,
        }
    }

    /// A cursor at `pos` of `bytes`.
    pub(crate) fn at(bytes: &'a [u8], pos: usize, section: SectionId) -> Self {
        Reader {
            bytes,
            pos,
            section,
        }
    }

    /// Bytes left after the position.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// A corruption error of this cursor's section.
    #[cold]
    pub(crate) fn corrupt(&self, message: impl Into<String>) -> Error {
        self.section.corrupt(message)
    }

    /// The next `n` bytes.
    #[inline]
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(self.corrupt(format!("read past the end at offset {}", self.pos))),
        }
    }

    /// The next `N` bytes as an array.
    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// The next byte.
    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// The next little-endian `u16`.
    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16> {
        self.array().map(u16::from_le_bytes)
    }

    /// The next little-endian `u32`.
    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    /// The next little-endian `u64`.
    #[inline]
    pub(crate) fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// Fails unless every byte has been read.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(self.corrupt(format!("{} unexpected bytes at the end", self.remaining())))
        }
    }
}

/// Reads a little-endian `u32` at `at` of a section, or reports corruption.
#[inline]
pub(crate) fn u32_at(b: &[u8], at: usize, section: SectionId) -> Result<u32> {
    b.get(at..at.wrapping_add(4))
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| section.corrupt(format!("read past the end at offset {at}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_integers_round_trip() {
        for v in [0u32, 1, 255, 256, 65_535, 65_536, 1 << 24, u32::MAX] {
            let n = uint_len(v);
            let mut b = Vec::new();
            put_uint(&mut b, v, n);
            assert_eq!(b.len(), n);
            assert_eq!(uint_at(&b, n), Some(v));
        }
        assert_eq!(uint_len(0), 1);
        assert_eq!(uint_len(u32::MAX), 4);
    }

    #[test]
    fn reads_are_checked() {
        let b = [1u8, 2, 3];
        let mut r = Reader::new(&b, SectionId::Strings);
        assert_eq!(r.u16().unwrap(), 0x0201);
        let e = r.u32().unwrap_err().to_string();
        assert!(e.contains("strings") && e.contains("past the end"), "{e}");
    }
}
