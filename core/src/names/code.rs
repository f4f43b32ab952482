//! The local-part code: an order-1 canonical Huffman code that stores each
//! local part of the address table in about 60% of its bytes.
//!
//! Symbols are `END` (0), up to 63 mapped bytes, and, when a list holds more
//! distinct bytes than that, `ESC` (the last symbol), which is followed by the
//! byte's 8 bits. Each symbol is coded in the context of the one before it
//! (`END` before the first), with a canonical code per context whose lengths
//! (at most [`MAX_CODE_LEN`] bits) are stored in the artifact. A local part is
//! coded as its symbols then `END`, most significant bit first, zero-padded to
//! a byte: equal texts give equal codes and different texts different ones.
//!
//! A query whose text uses a symbol pair no stored local part uses cannot be
//! coded, and so cannot be in the table: [`CodeModel::encode`] says so, and the
//! lookup answers at once.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[cfg(test)]
use crate::artifact::section::SectionId;
use crate::artifact::wire::{Put, Reader};
use crate::error::Result;

/// The end-of-text symbol.
const END: usize = 0;
/// Most symbols of a model.
pub(crate) const MAX_SYMBOLS: usize = 64;
/// Longest code of one symbol, in bits.
pub(crate) const MAX_CODE_LEN: u32 = 15;
/// Marks an unmapped byte in the byte-to-symbol map.
const UNMAPPED: u8 = 0xff;
/// The last symbol slot: ESC when the model has one, otherwise never used.
const SLOT63: u8 = (MAX_SYMBOLS - 1) as u8;
/// Room for the code of any local part (at most 64 bytes, each at most
/// `MAX_CODE_LEN + 8` bits as `ESC` and a byte, then `END`).
pub(crate) const CODE_CAP: usize =
    (64 * (MAX_CODE_LEN as usize + 8) + MAX_CODE_LEN as usize).div_ceil(8);

/// A loaded model: the stored lengths and the tables derived from them.
#[derive(Clone, Debug)]
pub(crate) struct CodeModel {
    symbols: usize,
    esc: Option<u8>,
    map: [u8; 256],
    /// `map`, with unmapped bytes at [`SLOT63`] (ESC, or a symbol no text
    /// has).
    lookup: [u8; 256],
    bytes: [u8; MAX_SYMBOLS],
    /// `code << 8 | length` for each `(context << 6 | symbol)`; length 0:
    /// never seen.
    enc: Box<[u32; MAX_SYMBOLS * MAX_SYMBOLS]>,
    /// Per context: symbols in canonical order, and the count of codes of each
    /// length.
    dec: Vec<Decoder>,
}

#[derive(Clone, Debug, Default)]
struct Decoder {
    sorted: Vec<u8>,
    counts: [u16; MAX_CODE_LEN as usize + 1],
}

impl CodeModel {
    /// Builds the model of a set of texts (each coded once per occurrence).
    pub(crate) fn train<'a>(texts: impl Iterator<Item = &'a [u8]> + Clone) -> Self {
        let mut byte_freq = [0u64; 256];
        for t in texts.clone() {
            for &b in t {
                byte_freq[b as usize] += 1;
            }
        }
        let mut present: Vec<u8> = (0..=255u8).filter(|&b| byte_freq[b as usize] > 0).collect();
        // At most 62 mapped bytes: symbol 63 is ESC, or unused (a query byte
        // no local part has maps there, where no code is).
        let escape = present.len() > MAX_SYMBOLS - 2;
        if escape {
            // Keep the most frequent bytes; the rest go through ESC.
            present.sort_by_key(|&b| (Reverse(byte_freq[b as usize]), b));
            present.truncate(MAX_SYMBOLS - 2);
            present.sort_unstable();
        }
        let symbols = 1 + present.len() + usize::from(escape);
        let esc = escape.then_some((symbols - 1) as u8);
        let mut map = [UNMAPPED; 256];
        for (i, &b) in present.iter().enumerate() {
            map[b as usize] = (i + 1) as u8;
        }
        let mut freq = vec![0u64; symbols * symbols];
        for t in texts {
            let mut ctx = END;
            for &b in t {
                let sym = match map[b as usize] {
                    UNMAPPED => esc.expect("unmapped bytes only with ESC") as usize,
                    s => s as usize,
                };
                freq[ctx * symbols + sym] += 1;
                ctx = sym;
            }
            freq[ctx * symbols + END] += 1;
        }
        let mut lengths = vec![0u8; symbols * symbols];
        for ctx in 0..symbols {
            let row = &freq[ctx * symbols..(ctx + 1) * symbols];
            lengths[ctx * symbols..(ctx + 1) * symbols].copy_from_slice(&limited_lengths(row));
        }
        Self::from_parts(symbols, esc, map, &lengths).expect("a trained model is valid")
    }

    fn from_parts(
        symbols: usize,
        esc: Option<u8>,
        map: [u8; 256],
        lengths: &[u8],
    ) -> std::result::Result<Self, String> {
        if !(1..=MAX_SYMBOLS).contains(&symbols) || lengths.len() != symbols * symbols {
            return Err(format!("bad symbol count {symbols}"));
        }
        let mut bytes = [0u8; MAX_SYMBOLS];
        let mut seen = [false; MAX_SYMBOLS];
        for (b, &s) in map.iter().enumerate() {
            if s == UNMAPPED {
                continue;
            }
            let s = s as usize;
            if s == END || s >= symbols || Some(s as u8) == esc || seen[s] {
                return Err(format!("byte {b} maps to a bad symbol {s}"));
            }
            seen[s] = true;
            bytes[s] = b as u8;
        }
        let mapped = seen.iter().filter(|&&x| x).count();
        if 1 + mapped + usize::from(esc.is_some()) != symbols
            || mapped > MAX_SYMBOLS - 2
            || esc.is_some_and(|e| e != SLOT63)
        {
            return Err("symbols do not match the byte map".into());
        }
        let mut lookup = map;
        for l in lookup.iter_mut().filter(|l| **l == UNMAPPED) {
            *l = SLOT63;
        }
        let mut enc = Box::new([0u32; MAX_SYMBOLS * MAX_SYMBOLS]);
        let mut dec = Vec::with_capacity(symbols);
        for ctx in 0..symbols {
            let row = &lengths[ctx * symbols..(ctx + 1) * symbols];
            let mut d = Decoder::default();
            let mut kraft = 0u64;
            for &l in row {
                if u32::from(l) > MAX_CODE_LEN {
                    return Err(format!("code length {l} in context {ctx}"));
                }
                if l > 0 {
                    d.counts[l as usize] += 1;
                    kraft += 1 << (MAX_CODE_LEN - u32::from(l));
                }
            }
            if kraft > 1 << MAX_CODE_LEN {
                return Err(format!("context {ctx} has more codes than fit"));
            }
            let mut order: Vec<u8> = (0..symbols as u8)
                .filter(|&s| row[s as usize] > 0)
                .collect();
            order.sort_by_key(|&s| (row[s as usize], s));
            let mut code = 0u32;
            let mut prev = 0u8;
            for &s in &order {
                let l = row[s as usize];
                code <<= l - prev;
                enc[ctx << 6 | s as usize] = code << 8 | u32::from(l);
                code += 1;
                prev = l;
            }
            d.sorted = order;
            dec.push(d);
        }
        Ok(CodeModel {
            symbols,
            esc,
            map,
            lookup,
            bytes,
            enc,
            dec,
        })
    }

    /// Appends the stored form: symbol count, `ESC` symbol (0 for none), two
    /// reserved bytes, the 256-byte map (`0xff` unmapped), then a length per
    /// `(context, symbol)`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u8(self.symbols as u8);
        out.put_u8(self.esc.unwrap_or(0));
        out.put_u16(0);
        out.extend_from_slice(&self.map);
        for ctx in 0..self.symbols {
            for sym in 0..self.symbols {
                out.put_u8(self.enc[ctx << 6 | sym] as u8);
            }
        }
    }

    /// Reads and validates the stored form.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        let symbols = r.u8()? as usize;
        let esc = match r.u8()? {
            0 => None,
            e => Some(e),
        };
        r.u16()?;
        let mut map = [0u8; 256];
        map.copy_from_slice(r.bytes(256)?);
        let lengths = r.bytes(symbols * symbols)?;
        Self::from_parts(symbols, esc, map, lengths).map_err(|m| r.corrupt(m))
    }

    /// Codes `text` into `out`; returns the code's length in bytes, or `None`
    /// when no stored text can have this code (a symbol pair never seen).
    /// `text` is at most 64 bytes.
    #[inline]
    pub(crate) fn encode(&self, text: &[u8], out: &mut [u8; CODE_CAP]) -> Option<usize> {
        let mut w = Bits {
            out,
            acc: 0,
            bits: 0,
            pos: 0,
        };
        let mut ctx = END;
        for &b in text {
            let sym = self.lookup[b as usize] as usize;
            let e = self.enc[(ctx << 6 | sym) & (MAX_SYMBOLS * MAX_SYMBOLS - 1)];
            if e & 0xff == 0 {
                return None;
            }
            w.put(e >> 8, e & 0xff);
            if sym == SLOT63 as usize {
                // ESC (only ESC has codes in slot 63): the byte follows.
                w.put(u32::from(b), 8);
            }
            ctx = sym;
        }
        let e = self.enc[(ctx << 6 | END) & (MAX_SYMBOLS * MAX_SYMBOLS - 1)];
        if e & 0xff == 0 {
            return None;
        }
        w.put(e >> 8, e & 0xff);
        w.finish()
    }

    /// Decodes a code back into its text, appended to `out`; `None` when the
    /// bits are not a complete code followed by zero padding.
    pub(crate) fn decode(&self, code: &[u8], out: &mut Vec<u8>) -> Option<()> {
        let mut bits = code
            .iter()
            .flat_map(|&byte| (0..8).rev().map(move |i| (byte >> i) & 1 == 1));
        let mut ctx = END;
        loop {
            let d = &self.dec[ctx];
            let (mut c, mut first, mut index) = (0u32, 0u32, 0usize);
            let mut sym = None;
            for len in 1..=MAX_CODE_LEN as usize {
                c = (c << 1) | u32::from(bits.next()?);
                let count = u32::from(d.counts[len]);
                if c < first + count {
                    sym = Some(d.sorted[index + (c - first) as usize] as usize);
                    break;
                }
                index += count as usize;
                first = (first + count) << 1;
            }
            let sym = sym?;
            if sym == END {
                break;
            }
            if Some(sym as u8) == self.esc {
                let mut b = 0u8;
                for _ in 0..8 {
                    b = (b << 1) | u8::from(bits.next()?);
                }
                out.push(b);
            } else {
                out.push(self.bytes[sym]);
            }
            if out.len() > 64 {
                return None;
            }
            ctx = sym;
        }
        // The rest of the last byte is padding, and there is nothing after it.
        bits.all(|b| !b).then_some(())
    }
}

/// Bits written most significant first into a code buffer.
struct Bits<'a> {
    out: &'a mut [u8; CODE_CAP],
    acc: u64,
    bits: u32,
    pos: usize,
}

impl Bits<'_> {
    /// Appends the low `len` bits of `code` (`len` at most 24). A word that
    /// does not fit is dropped and [`Bits::finish`] fails.
    #[inline(always)]
    fn put(&mut self, code: u32, len: u32) {
        self.acc = (self.acc << len) | u64::from(code);
        self.bits += len;
        if self.bits >= 32 {
            self.bits -= 32;
            let word = ((self.acc >> self.bits) as u32).to_be_bytes();
            if let Some(dst) = self.out.get_mut(self.pos..self.pos + 4) {
                dst.copy_from_slice(&word);
            }
            self.pos += 4;
        }
    }

    /// Writes the remaining bits, zero-padded to a byte; the code's length,
    /// or `None` when the code did not fit.
    #[inline(always)]
    fn finish(mut self) -> Option<usize> {
        if self.pos > CODE_CAP - 4 {
            return None;
        }
        while self.bits >= 8 {
            self.bits -= 8;
            *self.out.get_mut(self.pos)? = (self.acc >> self.bits) as u8;
            self.pos += 1;
        }
        if self.bits > 0 {
            *self.out.get_mut(self.pos)? = (self.acc << (8 - self.bits)) as u8;
            self.pos += 1;
        }
        Some(self.pos)
    }
}

/// Code lengths of a Huffman code for `freq` (0 for absent symbols), at most
/// [`MAX_CODE_LEN`] bits; a lone symbol gets 1 bit. Ties are broken by symbol,
/// so equal inputs give equal lengths.
fn limited_lengths(freq: &[u64]) -> Vec<u8> {
    let mut f: Vec<u64> = freq.to_vec();
    loop {
        let lengths = huffman_lengths(&f);
        if lengths.iter().all(|&l| u32::from(l) <= MAX_CODE_LEN) {
            return lengths;
        }
        for x in f.iter_mut().filter(|x| **x > 0) {
            *x = (*x >> 1) | 1;
        }
    }
}

fn huffman_lengths(freq: &[u64]) -> Vec<u8> {
    let mut lengths = vec![0u8; freq.len()];
    let present: Vec<usize> = (0..freq.len()).filter(|&s| freq[s] > 0).collect();
    match present.len() {
        0 => return lengths,
        1 => {
            lengths[present[0]] = 1;
            return lengths;
        }
        _ => {}
    }
    // Nodes: leaves first (by symbol), then internal nodes in creation order.
    let mut parent: Vec<usize> = vec![usize::MAX; present.len()];
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = present
        .iter()
        .enumerate()
        .map(|(i, &s)| Reverse((freq[s], i)))
        .collect();
    while heap.len() > 1 {
        let Reverse((fa, a)) = heap.pop().expect("two nodes");
        let Reverse((fb, b)) = heap.pop().expect("two nodes");
        let node = parent.len();
        parent.push(usize::MAX);
        parent[a] = node;
        parent[b] = node;
        heap.push(Reverse((fa + fb, node)));
    }
    for (i, &s) in present.iter().enumerate() {
        let (mut n, mut depth) = (i, 0u8);
        while parent[n] != usize::MAX {
            n = parent[n];
            depth = depth.saturating_add(1);
        }
        lengths[s] = depth;
    }
    lengths
}

/// The section a code model is stored in.
#[cfg(test)]
const SECTION: SectionId = SectionId::NameParams;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model(texts: &[&[u8]]) -> CodeModel {
        CodeModel::train(texts.iter().copied())
    }

    #[test]
    fn round_trip_and_unseen_pairs() {
        let texts: Vec<&[u8]> = vec![
            b"john.smith",
            b"jane",
            b"info",
            b"x",
            b"\xc3\xa9l\xc3\xa8ve",
        ];
        let m = model(&texts);
        let mut buf = [0u8; CODE_CAP];
        for t in &texts {
            let n = m.encode(t, &mut buf).unwrap();
            let mut back = Vec::new();
            m.decode(&buf[..n], &mut back).unwrap();
            assert_eq!(&back, t);
        }
        // "qz" was never seen: no stored text can have its code.
        assert_eq!(m.encode(b"qz", &mut buf), None);
        // A stored model reads back the same.
        let mut stored = Vec::new();
        m.write(&mut stored);
        let again = CodeModel::read(&mut Reader::new(&stored, SECTION)).unwrap();
        for t in &texts {
            let mut a = [0u8; CODE_CAP];
            let na = again.encode(t, &mut a).unwrap();
            let nb = m.encode(t, &mut buf).unwrap();
            assert_eq!(&a[..na], &buf[..nb]);
        }
    }

    #[test]
    fn many_distinct_bytes_escape() {
        let all: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b'a', b, b'z']).collect();
        let m = CodeModel::train(all.iter().map(|v| v.as_slice()));
        assert_eq!(m.symbols, MAX_SYMBOLS);
        let mut buf = [0u8; CODE_CAP];
        for t in &all {
            let n = m.encode(t, &mut buf).unwrap();
            let mut back = Vec::new();
            m.decode(&buf[..n], &mut back).unwrap();
            assert_eq!(&back, t);
        }
    }

    #[test]
    fn skewed_frequencies_stay_within_the_length_limit() {
        let freq: Vec<u64> = (0..40).map(|i| 1u64 << i.min(39)).collect();
        let l = limited_lengths(&freq);
        assert!(l.iter().all(|&x| (1..=MAX_CODE_LEN as u8).contains(&x)));
    }

    #[test]
    fn damaged_models_are_refused() {
        let m = model(&[b"ab", b"ba"]);
        let mut stored = Vec::new();
        m.write(&mut stored);
        let mut bad = stored.clone();
        let last = bad.len() - 1;
        bad[last] = 1; // too many one-bit codes in the last context
        bad[last - 1] = 1;
        bad[last - 2] = 1;
        assert!(CodeModel::read(&mut Reader::new(&bad, SECTION)).is_err());
        let mut bad = stored;
        bad[0] = 200;
        assert!(CodeModel::read(&mut Reader::new(&bad, SECTION)).is_err());
    }

    proptest! {
        #[test]
        fn codes_are_injective_and_decode(
            texts in proptest::collection::btree_set(proptest::collection::vec(any::<u8>(), 1..64), 1..40)
        ) {
            let list: Vec<&[u8]> = texts.iter().map(|t| t.as_slice()).collect();
            let m = model(&list);
            let mut seen = std::collections::HashSet::new();
            let mut buf = [0u8; CODE_CAP];
            for t in &list {
                let n = m.encode(t, &mut buf).unwrap();
                prop_assert!(seen.insert(buf[..n].to_vec()));
                let mut back = Vec::new();
                prop_assert!(m.decode(&buf[..n], &mut back).is_some());
                prop_assert_eq!(&back, t);
            }
        }
    }
}
