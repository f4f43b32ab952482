//! The wire primitives every record of the format is written and read with:
//! little-endian integers, LEB128 varints, and a bounds-checked cursor that
//! reports a damaged section instead of panicking.
//!
//! Each record type of the format lives next to its own writer, reader and
//! validation (the `artifact` and `names`/`ip` modules); this module only
//! knows bytes.

use crate::error::{Error, Result};

use super::section::SectionId;

/// Appends little-endian integers and varints to a byte vector.
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
    /// Appends an unsigned LEB128 varint.
    fn put_varint(&mut self, v: u64);
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
    #[inline]
    fn put_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.push(v as u8);
    }
}

/// Number of bytes [`Put::put_varint`] writes for `v`.
#[inline]
pub(crate) fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Decodes a varint at the start of `b`: the value and the bytes it took, or
/// `None` when `b` ends first or the varint is longer than ten bytes.
#[inline]
pub(crate) fn varint_at(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().take(10).enumerate() {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
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

    /// The next varint.
    #[cfg(test)]
    pub(crate) fn varint(&mut self) -> Result<u64> {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        match varint_at(rest) {
            Some((v, n)) => {
                self.pos += n;
                Ok(v)
            }
            None => Err(self.corrupt(format!("bad varint at offset {}", self.pos))),
        }
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
    fn varints_round_trip() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u32::MAX as u64,
            u64::MAX,
        ] {
            let mut b = Vec::new();
            b.put_varint(v);
            assert_eq!(b.len(), varint_len(v), "{v}");
            assert_eq!(varint_at(&b), Some((v, b.len())));
            let mut r = Reader::new(&b, SectionId::Lists);
            assert_eq!(r.varint().unwrap(), v);
            r.finish().unwrap();
        }
        assert_eq!(varint_at(&[0x80, 0x80]), None);
        assert_eq!(varint_at(&[0xff; 11]), None);
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
