//! The artifact: one immutable file holding every list of a build, opened by
//! mapping it into memory.
//!
//! Opening validates the header, the directory, the list table and the shape
//! of every table in time that does not depend on the file's size; every
//! later read is bounds-checked, so a damaged file gives an error, never a
//! crash. [`Artifact::verify`] is the full check.
//!
//! The byte layout is `core/FORMAT.md`, reproduced here:
#![doc = include_str!("../../FORMAT.md")]

pub(crate) mod lists;
mod mmap;
#[cfg(feature = "build")]
pub(crate) mod replace;
pub(crate) mod section;
pub(crate) mod strings;
pub(crate) mod wire;
#[cfg(feature = "build")]
pub(crate) mod write;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ip::{self, Family, IpTable};
use crate::names::addresses::AddressTable;
use crate::names::domains::DomainTable;
use crate::names::lines::LINE;
use crate::names::overflow::Overflow;
use crate::names::params::NameParams;
pub use lists::{ListInfo, MAX_LISTS};
#[cfg(feature = "build")]
pub use replace::{check_output, write_atomic, write_atomic_with, WriteOptions, NEW_FILE_MODE};
use section::{Directory, Header, SectionId, HEADER_LEN, SECTION_COUNT, VERSION};

/// Files up to this size have every section checksum verified by
/// [`Verify::Auto`] when opened (a few microseconds); larger ones get the quick
/// check, whose cost does not depend on the size.
pub const AUTO_VERIFY_LIMIT: u64 = 256 << 10;

/// How much of an artifact to check when opening it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Verify {
    /// Header, directory, section sizes, list table and table parameters: cost
    /// independent of size.
    Quick,
    /// Every checksum and every structure (see [`Artifact::verify`]).
    Full,
    /// `Quick` plus every section checksum for files up to [`AUTO_VERIFY_LIMIT`]
    /// bytes (so any damage to a small file is an error), `Quick` above.
    #[default]
    Auto,
}

enum Backing {
    Map(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Backing {
    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        }
    }
}

/// Identity of the file an artifact was opened from, to notice replacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileStamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileStamp {
                dev: meta.dev(),
                ino: meta.ino(),
                len: meta.len(),
                mtime_ns: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128,
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i128)
                .unwrap_or(0);
            FileStamp {
                dev: 0,
                ino: 0,
                len: meta.len(),
                mtime_ns,
            }
        }
    }
}

/// An opened artifact: immutable, memory-mapped, safe to share between threads.
pub struct Artifact {
    backing: Arc<Backing>,
    sections: [Range<usize>; SECTION_COUNT],
    checksums: [u64; SECTION_COUNT],
    pub(crate) lists: Vec<ListInfo>,
    pub(crate) names: NameParams,
    overflow_counts: [usize; 2],
    ip_bits: [u32; 2],
    hash: [u8; 32],
    dir_end: usize,
    pub(crate) path: Option<PathBuf>,
    pub(crate) stamp: Option<FileStamp>,
}

impl std::fmt::Debug for Artifact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Artifact")
            .field("path", &self.path)
            .field("bytes", &self.len())
            .field("lists", &self.lists.len())
            .field("content_hash", &self.content_hash())
            .finish()
    }
}

impl Artifact {
    /// Opens and validates the artifact at `path` ([`Verify::Auto`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, Verify::Auto)
    }

    /// Opens the artifact at `path`, checking as much as `verify` says.
    pub fn open_with(path: impl AsRef<Path>, verify: Verify) -> Result<Self> {
        let path = path.as_ref();
        // Never blocks: a FIFO or a device at the path is refused unopened.
        let (file, meta) = crate::input::open_regular(path).map_err(|e| Error::io(path, e))?;
        if (meta.len() as usize) < HEADER_LEN {
            return Err(Error::corrupt(
                "header",
                format!("file is {} bytes, shorter than a header", meta.len()),
            ));
        }
        let map = mmap::map(&file).map_err(|e| Error::io(path, e))?;
        let mut art = Self::from_backing(Backing::Map(map), verify)?;
        art.path = Some(path.to_path_buf());
        art.stamp = Some(FileStamp::of(&meta));
        Ok(art)
    }

    /// Validates an artifact held in memory ([`Verify::Auto`]).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        Self::from_backing(Backing::Owned(bytes), Verify::Auto)
    }

    /// Validates an artifact held in memory, checking as much as `verify` says.
    pub fn from_bytes_with(bytes: Vec<u8>, verify: Verify) -> Result<Self> {
        Self::from_backing(Backing::Owned(bytes), verify)
    }

    fn from_backing(backing: Backing, verify: Verify) -> Result<Self> {
        let b = backing.bytes();
        let header = Header::read(b)?;
        let dir = Directory::read(b, &header)?;
        let section = |id: SectionId| &b[dir.ranges[id.slot()].clone()];
        let check = |id: SectionId| -> Result<()> {
            if section::checksum(section(id)) != dir.checksums[id.slot()] {
                return Err(id.corrupt("checksum mismatch"));
            }
            Ok(())
        };
        let small = b.len() as u64 <= AUTO_VERIFY_LIMIT;
        let all = verify == Verify::Full || (verify == Verify::Auto && small);
        if all {
            for &id in SectionId::ALL {
                check(id)?;
            }
        } else {
            check(SectionId::Lists)?;
            check(SectionId::NameParams)?;
            if section(SectionId::Strings).len() as u64 <= AUTO_VERIFY_LIMIT {
                check(SectionId::Strings)?;
            }
        }
        let lists = lists::read(section(SectionId::Lists), section(SectionId::Strings))?;
        let names = NameParams::read(section(SectionId::NameParams))?;
        let mut overflow_counts = [0usize; 2];
        for (i, (lines_id, overflow_id, count)) in [
            (
                SectionId::DomainLines,
                SectionId::DomainOverflow,
                names.domain_lines,
            ),
            (
                SectionId::AddressLines,
                SectionId::AddressOverflow,
                names.address_lines,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            if section(lines_id).len() != count as usize * LINE {
                return Err(lines_id.corrupt(format!("size does not hold {count} lines")));
            }
            overflow_counts[i] = Overflow::new(section(overflow_id), overflow_id)?.len();
        }
        if names.address_lines > 0 && names.address_domains == 0 {
            return Err(SectionId::NameParams.corrupt("addresses without address domains"));
        }
        // Each address domain is a domain record, which takes at least a byte.
        let domain_bytes =
            section(SectionId::DomainLines).len() + section(SectionId::DomainOverflow).len();
        if names.address_domains as usize > domain_bytes {
            return Err(SectionId::NameParams.corrupt(format!(
                "{} address domains, more than the domain table can hold",
                names.address_domains
            )));
        }
        let mut ip_bits = [0u32; 2];
        for (i, fam) in [Family::V4, Family::V6].into_iter().enumerate() {
            let [index, records, reasons, ranges] = fam.sections();
            let (idx, recs) = (section(index), section(records));
            let sized = |id: SectionId, row: usize| -> Result<()> {
                if section(id).len() % row != 0 {
                    return Err(id.corrupt("size is not a whole number of rows"));
                }
                Ok(())
            };
            sized(records, fam.record_len())?;
            sized(reasons, 8)?;
            sized(ranges, fam.range_row_len())?;
            if recs.is_empty() {
                if !idx.is_empty() {
                    return Err(index.corrupt("index without records"));
                }
                continue;
            }
            ip_bits[i] = ip::index_bits(idx.len())
                .ok_or_else(|| index.corrupt("size is not a valid index"))?;
        }
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&header.content_hash);
        let art = Artifact {
            sections: dir.ranges,
            checksums: dir.checksums,
            lists,
            names,
            overflow_counts,
            ip_bits,
            hash,
            dir_end: dir.end,
            backing: Arc::new(backing),
            path: None,
            stamp: None,
        };
        if all {
            art.verify_padding()?;
        }
        if verify == Verify::Full {
            art.verify()?;
        }
        Ok(art)
    }

    /// The bytes of one section.
    #[inline]
    pub(crate) fn section(&self, id: SectionId) -> &[u8] {
        &self.backing.bytes()[self.sections[id.slot()].clone()]
    }

    /// The domain table.
    #[inline]
    pub(crate) fn domains(&self) -> DomainTable<'_> {
        DomainTable {
            lines: self.section(SectionId::DomainLines),
            overflow: Overflow::trusted(
                self.section(SectionId::DomainOverflow),
                self.overflow_counts[0],
                SectionId::DomainOverflow,
            ),
            count: self.names.domain_lines,
            seed: self.names.domain_seed,
        }
    }

    /// The address table.
    #[inline]
    pub(crate) fn addresses(&self) -> AddressTable<'_> {
        AddressTable {
            lines: self.section(SectionId::AddressLines),
            overflow: Overflow::trusted(
                self.section(SectionId::AddressOverflow),
                self.overflow_counts[1],
                SectionId::AddressOverflow,
            ),
            count: self.names.address_lines,
            seed: self.names.address_seed,
            default_block: self.names.default_block,
        }
    }

    /// The IP table of a family.
    #[inline]
    pub(crate) fn ip_table(&self, fam: Family) -> IpTable<'_> {
        let [index, records, reasons, ranges] = fam.sections();
        IpTable {
            fam,
            index: self.section(index),
            records: self.section(records),
            reasons: self.section(reasons),
            ranges: self.section(ranges),
            k: self.ip_bits[usize::from(fam.v6)],
        }
    }

    /// Checks that every byte outside the header, the directory and the sections
    /// is zero, as written.
    fn verify_padding(&self) -> Result<()> {
        let b = self.backing.bytes();
        let mut covered: Vec<Range<usize>> = self.sections.to_vec();
        covered.push(0..self.dir_end);
        covered.sort_by_key(|r| r.start);
        let mut at = 0;
        for r in covered {
            if b[at.min(r.start)..r.start].iter().any(|&x| x != 0) {
                return Err(Error::corrupt(
                    "header",
                    "non-zero padding between sections",
                ));
            }
            at = at.max(r.end);
        }
        if b[at.min(b.len())..].iter().any(|&x| x != 0) {
            return Err(Error::corrupt("header", "non-zero padding at the end"));
        }
        Ok(())
    }

    /// Every section checksum and the content hash.
    fn verify_checksums(&self) -> Result<()> {
        for &id in SectionId::ALL {
            if section::checksum(self.section(id)) != self.checksums[id.slot()] {
                return Err(id.corrupt("checksum mismatch"));
            }
        }
        let hash: [u8; 32] = Sha256::digest(&self.backing.bytes()[HEADER_LEN..]).into();
        if hash != self.hash {
            return Err(Error::corrupt("header", "content hash mismatch"));
        }
        self.verify_padding()
    }

    /// The full integrity check: every section checksum, the content hash, and
    /// every structure (posting blocks, every record of both name tables decoded
    /// and found where its hash puts it, the IP tables' order, parents, index
    /// and side tables, strings). Cost is linear in the file size.
    pub fn verify(&self) -> Result<()> {
        self.verify_checksums()?;
        crate::verify::structure(self)
    }

    /// The artifact's content hash (SHA-256 of everything after the header), hex.
    pub fn content_hash(&self) -> String {
        self.hash.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The content hash's 32 bytes.
    #[inline]
    pub fn content_hash_bytes(&self) -> &[u8; 32] {
        &self.hash
    }

    /// The format version of the file.
    pub fn format_version(&self) -> u32 {
        VERSION
    }

    /// Size of the artifact in bytes.
    pub fn len(&self) -> usize {
        self.backing.bytes().len()
    }

    /// Whether the artifact is empty (never true for a valid artifact).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lists, in the order they are consulted.
    pub fn lists(&self) -> &[ListInfo] {
        &self.lists
    }

    /// The path the artifact was opened from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Sizes of the sections, by name, in file order.
    pub fn section_sizes(&self) -> Vec<(&'static str, usize)> {
        SectionId::ALL
            .iter()
            .map(|&id| (id.name(), self.section(id).len()))
            .collect()
    }
}
