//! Posting blocks: what the name tables say about a name. A block lists, for
//! one domain or address, each entry of each list on it: `u16` count, then
//! 8-byte items sorted by list, form and exclusion (`u16` list index, `u8`
//! flags: form in bits 0–3, exclusion in bit 7; a reserved byte; `u32`
//! reason). Identical blocks are stored once; records refer to a block by its
//! number, and `posting_index` holds each block's offset. Blocks are numbered
//! by how many records use them (most first), so the common ones have
//! one-byte numbers.

use std::collections::HashMap;

use crate::artifact::lists::ListInfo;
use crate::artifact::section::SectionId;
use crate::artifact::strings::{str_at, NO_STR};
use crate::artifact::wire::{u32_at, Put, Reader};
use crate::error::Result;
use crate::names::NameForm;

/// Size of one item.
const ITEM_LEN: usize = 8;
/// Flag bit: the entry is an exclusion.
const EXCLUDE: u8 = 0x80;
/// Flag bits holding the form.
const FORM_MASK: u8 = 0x0f;

/// One entry of one list on a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Posting {
    /// List index.
    pub list: u16,
    /// How the entry applies.
    pub form: NameForm,
    /// Whether it is an exclusion.
    pub exclude: bool,
    /// Reason (string reference or [`NO_STR`]).
    pub reason: u32,
}

impl Posting {
    fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.list);
        out.put_u8(self.form.code() | if self.exclude { EXCLUDE } else { 0 });
        out.put_u8(0);
        out.put_u32(self.reason);
    }

    #[inline]
    fn read(b: &[u8]) -> Result<Self> {
        let list = u16::from_le_bytes([b[0], b[1]]);
        let flags = b[2];
        let form = NameForm::from_code(flags & FORM_MASK)
            .filter(|_| flags & !(FORM_MASK | EXCLUDE) == 0 && b[3] == 0)
            .ok_or_else(|| SectionId::Postings.corrupt(format!("bad flags {flags:#x}")))?;
        Ok(Posting {
            list,
            form,
            exclude: flags & EXCLUDE != 0,
            reason: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        })
    }
}

/// A posting block as stored.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    items: &'a [u8],
}

impl<'a> Block<'a> {
    /// Block number `index`: its offset from `posting_index`, then its items.
    #[inline]
    pub(crate) fn at(postings: &'a [u8], index: &[u8], number: u32) -> Result<Self> {
        let at = u32_at(index, number as usize * 4, SectionId::PostingIndex)? as usize;
        let mut r = Reader::at(postings, at, SectionId::Postings);
        let count = r.u16()? as usize;
        Ok(Block {
            items: r.bytes(count * ITEM_LEN)?,
        })
    }

    /// Number of items.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.items.len() / ITEM_LEN
    }

    /// Item `i`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Result<Posting> {
        Posting::read(&self.items[i * ITEM_LEN..(i + 1) * ITEM_LEN])
    }

    /// The list of item `i` (without decoding the rest).
    #[inline]
    pub(crate) fn list(&self, i: usize) -> u16 {
        u16::from_le_bytes([self.items[i * ITEM_LEN], self.items[i * ITEM_LEN + 1]])
    }

    /// Every item.
    pub(crate) fn items(&self) -> impl Iterator<Item = Result<Posting>> + 'a {
        self.items.chunks_exact(ITEM_LEN).map(Posting::read)
    }
}

/// Collects blocks, stores each once and numbers them by use.
#[derive(Default)]
pub(crate) struct PostingsWriter {
    ids: HashMap<Vec<u8>, u32>,
    blocks: Vec<(Vec<u8>, u64)>,
}

impl PostingsWriter {
    /// Adds one use of the block of `items` (sorted); returns its provisional id.
    pub(crate) fn add(&mut self, items: &[Posting]) -> u32 {
        let mut bytes = Vec::with_capacity(2 + items.len() * ITEM_LEN);
        bytes.put_u16(u16::try_from(items.len()).expect("at most 65,535 entries per name"));
        for p in items {
            p.write(&mut bytes);
        }
        match self.ids.get(&bytes) {
            Some(&id) => {
                self.blocks[id as usize].1 += 1;
                id
            }
            None => {
                let id = self.blocks.len() as u32;
                self.ids.insert(bytes.clone(), id);
                self.blocks.push((bytes, 1));
                id
            }
        }
    }

    /// The `postings` and `posting_index` sections, and the final number of
    /// each provisional id.
    pub(crate) fn finish(self) -> (Vec<u8>, Vec<u8>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.blocks.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (ba, ua) = &self.blocks[a as usize];
            let (bb, ub) = &self.blocks[b as usize];
            ub.cmp(ua).then(ba.cmp(bb))
        });
        let mut number = vec![0u32; order.len()];
        let (mut postings, mut index) = (Vec::new(), Vec::new());
        for (n, &id) in order.iter().enumerate() {
            number[id as usize] = n as u32;
            index.put_u32(u32::try_from(postings.len()).expect("postings under 4 GiB"));
            postings.extend_from_slice(&self.blocks[id as usize].0);
        }
        (postings, index, number)
    }
}

/// The full check: blocks tile `postings` in index order; items are sorted,
/// name lists of a name kind with a form that suits it, and have readable
/// reasons. Returns how many blocks there are.
pub(crate) fn validate(
    postings: &[u8],
    index: &[u8],
    lists: &[ListInfo],
    strings: &[u8],
) -> Result<u32> {
    let corrupt = |m: String| SectionId::Postings.corrupt(m);
    if index.len() % 4 != 0 {
        return Err(SectionId::PostingIndex.corrupt("size is not a whole number of offsets"));
    }
    let blocks = (index.len() / 4) as u32;
    let mut expect = 0usize;
    for n in 0..blocks {
        if u32_at(index, n as usize * 4, SectionId::PostingIndex)? as usize != expect {
            return Err(SectionId::PostingIndex.corrupt(format!("block {n} is misplaced")));
        }
        let block = Block::at(postings, index, n)?;
        if block.len() == 0 {
            return Err(corrupt(format!("block {n} is empty")));
        }
        let mut prev: Option<Posting> = None;
        for p in block.items() {
            let p = p?;
            let kind = lists
                .get(p.list as usize)
                .map(|l| l.kind)
                .ok_or_else(|| corrupt(format!("block {n} names list {}", p.list)))?;
            if !p.form.suits(kind, p.exclude) {
                return Err(corrupt(format!(
                    "block {n} holds a {:?} entry for a {kind} list",
                    p.form
                )));
            }
            if p.reason != NO_STR {
                str_at(strings, p.reason)?;
            }
            if prev.is_some_and(|q| (q.list, q.form) >= (p.list, p.form)) {
                return Err(corrupt(format!("block {n} is out of order")));
            }
            prev = Some(p);
        }
        expect += 2 + block.len() * ITEM_LEN;
    }
    if expect != postings.len() {
        return Err(corrupt("bytes after the last block".into()));
    }
    Ok(blocks)
}
