//! Opening an artifact: mapping it, validating header, directory and list table,
//! and the full integrity check ([`Artifact::verify`]).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::format::*;
use super::write::{header_checksum, hex};
use crate::error::{Error, Result};
use crate::kind::ListKind;

/// Files up to this size have every section checksum verified by
/// [`Verify::Auto`] when opened (a few microseconds); larger ones get the quick
/// check, whose cost does not depend on the size.
pub const AUTO_VERIFY_LIMIT: u64 = 256 << 10;

/// How much of an artifact to check when opening it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Verify {
    /// Header, directory, section bounds and list table: cost independent of size.
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

/// A cheap, clonable view of part of the artifact's bytes.
#[derive(Clone)]
pub(crate) struct Bytes {
    backing: Arc<Backing>,
    range: Range<usize>,
}

impl AsRef<[u8]> for Bytes {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        let all: &[u8] = match &*self.backing {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        };
        &all[self.range.clone()]
    }
}

/// A list as recorded in an artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListInfo {
    /// List name.
    pub name: String,
    /// List kind.
    pub kind: ListKind,
    /// The reason given for hits whose entry has none.
    pub reason: String,
    /// Whether `reason` was set by the list (rather than generated).
    pub reason_is_set: bool,
    /// Number of listing entries.
    pub entries: u64,
    /// Number of exclusions.
    pub exclusions: u64,
    /// Approximate bytes of the artifact taken by the list.
    pub bytes: u64,
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
    pub(crate) data: Bytes,
    sections: [Range<usize>; SectionId::ALL.len()],
    checksums: [u64; SectionId::ALL.len()],
    pub(crate) lists: Vec<ListInfo>,
    pub(crate) fst: fst::raw::Fst<Bytes>,
    hash: [u8; 32],
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
        let map = super::mmap::map(&file).map_err(|e| Error::io(path, e))?;
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
        let len = match &backing {
            Backing::Map(m) => m.len(),
            Backing::Owned(v) => v.len(),
        };
        let data = Bytes {
            backing: Arc::new(backing),
            range: 0..len,
        };
        let b = data.as_ref();
        if b.len() < HEADER_LEN {
            return Err(Error::corrupt(
                "header",
                format!("file is {} bytes, shorter than a header", b.len()),
            ));
        }
        if b[..8] != MAGIC {
            return Err(Error::corrupt(
                "header",
                "not an mxlists artifact (bad magic)",
            ));
        }
        let version = u32_at(b, 8, "header")?;
        if version != VERSION {
            return Err(Error::Version {
                found: version,
                supported: VERSION,
            });
        }
        let count = u32_at(b, 12, "header")? as usize;
        let file_len = u64_at(b, 16, "header")?;
        if file_len != b.len() as u64 {
            return Err(Error::corrupt(
                "header",
                format!(
                    "file is {} bytes but the header says {file_len} (truncated or extended)",
                    b.len()
                ),
            ));
        }
        if count > 64 {
            return Err(Error::corrupt("header", format!("{count} sections")));
        }
        let dir_end = HEADER_LEN + count * DIR_ENTRY_LEN;
        let dir = b
            .get(HEADER_LEN..dir_end)
            .ok_or_else(|| Error::corrupt("header", "section directory runs past the end"))?;
        let stored = u64_at(b, 56, "header")?;
        if header_checksum(&b[..56], dir) != stored {
            return Err(Error::corrupt("header", "header checksum mismatch"));
        }
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&b[24..56]);

        let mut sections: [Option<Range<usize>>; SectionId::ALL.len()] = Default::default();
        let mut checksums = [0u64; SectionId::ALL.len()];
        let mut prev_end = dir_end;
        for i in 0..count {
            let at = i * DIR_ENTRY_LEN;
            let id = u32_at(dir, at, "header")?;
            let off = u64_at(dir, at + 8, "header")? as usize;
            let slen = u64_at(dir, at + 16, "header")? as usize;
            let sum = u64_at(dir, at + 24, "header")?;
            let end = off
                .checked_add(slen)
                .filter(|&e| e <= b.len())
                .ok_or_else(|| {
                    Error::corrupt("header", format!("section {id} runs past the end"))
                })?;
            if off % SECTION_ALIGN != 0 || off < prev_end {
                return Err(Error::corrupt(
                    "header",
                    format!("section {id} is misplaced"),
                ));
            }
            prev_end = end;
            let Some(sid) = SectionId::from_u32(id) else {
                continue; // unknown sections are skipped (room for additions)
            };
            let slot = &mut sections[sid as usize - 1];
            if slot.is_some() {
                return Err(Error::corrupt(
                    "header",
                    format!("section {} appears twice", sid.name()),
                ));
            }
            *slot = Some(off..end);
            checksums[sid as usize - 1] = sum;
        }
        let mut ranges: [Range<usize>; SectionId::ALL.len()] = Default::default();
        for (i, s) in sections.into_iter().enumerate() {
            ranges[i] = s.ok_or_else(|| {
                Error::corrupt(
                    "header",
                    format!("section {} is missing", SectionId::ALL[i].name()),
                )
            })?;
        }
        let section = |id: SectionId| Bytes {
            backing: data.backing.clone(),
            range: ranges[id as usize - 1].clone(),
        };
        let fst = fst::raw::Fst::new(section(SectionId::Names))
            .map_err(|e| Error::corrupt("names", e.to_string()))?;
        let mut art = Artifact {
            data: data.clone(),
            sections: ranges,
            checksums,
            lists: Vec::new(),
            fst,
            hash,
            path: None,
            stamp: None,
        };
        art.check_section_sizes()?;
        let small = art.len() as u64 <= AUTO_VERIFY_LIMIT;
        match verify {
            Verify::Full => art.verify_checksums()?,
            Verify::Auto if small => {
                for id in SectionId::ALL {
                    art.verify_section(id)?;
                }
                art.verify_padding(dir_end)?;
            }
            _ => {
                art.verify_section(SectionId::Lists)?;
                if art.section(SectionId::Strings).len() as u64 <= AUTO_VERIFY_LIMIT {
                    art.verify_section(SectionId::Strings)?;
                }
            }
        }
        art.lists = art.read_lists()?;
        if verify == Verify::Full {
            art.verify_structure()?;
        }
        Ok(art)
    }

    /// The bytes of one section.
    #[inline]
    pub(crate) fn section(&self, id: SectionId) -> &[u8] {
        &self.data.as_ref()[self.sections[id as usize - 1].clone()]
    }

    fn check_section_sizes(&self) -> Result<()> {
        for (v6, idx, starts, values, width) in [
            (
                false,
                SectionId::V4Index,
                SectionId::V4Starts,
                SectionId::V4Values,
                4,
            ),
            (
                true,
                SectionId::V6Index,
                SectionId::V6Starts,
                SectionId::V6Values,
                16,
            ),
        ] {
            let (i, s, v) = (
                self.section(idx),
                self.section(starts),
                self.section(values),
            );
            let fam = if v6 { "v6 table" } else { "v4 table" };
            let empty = i.is_empty() && s.is_empty() && v.is_empty();
            let ok = empty
                || (crate::ranges::stored_index_bits(i.len()).is_some()
                    && !s.is_empty()
                    && s.len() % width == 0
                    && v.len() == s.len() / width * 4);
            if !ok {
                return Err(Error::corrupt(
                    "header",
                    format!("{fam} sections have inconsistent sizes"),
                ));
            }
        }
        for (id, len) in [
            (SectionId::V4Entries, V4_ENTRY_LEN),
            (SectionId::V6Entries, V6_ENTRY_LEN),
        ] {
            if self.section(id).len() % len != 0 {
                return Err(Error::corrupt(
                    "header",
                    format!("{} size is not a whole number of records", id.name()),
                ));
            }
        }
        Ok(())
    }

    fn verify_section(&self, id: SectionId) -> Result<()> {
        if checksum(self.section(id)) != self.checksums[id as usize - 1] {
            return Err(Error::corrupt(id.name(), "checksum mismatch"));
        }
        Ok(())
    }

    /// Checks that every byte outside the header, the directory and the sections
    /// is zero, as written.
    fn verify_padding(&self, dir_end: usize) -> Result<()> {
        let b = self.data.as_ref();
        let mut covered: Vec<Range<usize>> = self.sections.to_vec();
        covered.push(0..dir_end);
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

    fn verify_checksums(&self) -> Result<()> {
        for id in SectionId::ALL {
            self.verify_section(id)?;
        }
        let hash: [u8; 32] = Sha256::digest(&self.data.as_ref()[HEADER_LEN..]).into();
        if hash != self.hash {
            return Err(Error::corrupt("header", "content hash mismatch"));
        }
        Ok(())
    }

    fn read_lists(&self) -> Result<Vec<ListInfo>> {
        let b = self.section(SectionId::Lists);
        let strings = self.section(SectionId::Strings);
        let count = u32_at(b, 0, "lists")? as usize;
        if count > MAX_LISTS || b.len() != 8 + count * LIST_RECORD_LEN {
            return Err(Error::corrupt("lists", format!("bad list count {count}")));
        }
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let r = 8 + i * LIST_RECORD_LEN;
            let name = str_at(strings, u32_at(b, r, "lists")?)?.to_owned();
            let reason_ref = u32_at(b, r + 4, "lists")?;
            let kind = ListKind::from_code(b[r + 8]).ok_or_else(|| {
                Error::corrupt(
                    "lists",
                    format!("list {name:?} has unknown kind {}", b[r + 8]),
                )
            })?;
            let (reason, reason_is_set) = if reason_ref == NO_STR {
                let generated = match kind {
                    ListKind::KnownTlds => "unknown top-level domain".to_string(),
                    _ => format!("listed in {name}"),
                };
                (generated, false)
            } else {
                (str_at(strings, reason_ref)?.to_owned(), true)
            };
            if out.iter().any(|l: &ListInfo| l.name == name) {
                return Err(Error::corrupt(
                    "lists",
                    format!("list {name:?} appears twice"),
                ));
            }
            out.push(ListInfo {
                name,
                kind,
                reason,
                reason_is_set,
                entries: u64_at(b, r + 16, "lists")?,
                exclusions: u64_at(b, r + 24, "lists")?,
                bytes: u64_at(b, r + 32, "lists")?,
            });
        }
        Ok(out)
    }

    /// The full integrity check: every section checksum, the content hash, the
    /// FST's own checksum, and every structure (posting blocks, interval tables,
    /// hit sets, IP entries, strings). Cost is linear in the file size.
    pub fn verify(&self) -> Result<()> {
        self.verify_checksums()?;
        self.verify_structure()
    }

    fn verify_structure(&self) -> Result<()> {
        crate::verify::structure(self)
    }

    /// The artifact's content hash (SHA-256 of everything after the header), hex.
    pub fn content_hash(&self) -> String {
        hex(&self.hash)
    }

    /// The format version of the file.
    pub fn format_version(&self) -> u32 {
        VERSION
    }

    /// Size of the artifact in bytes.
    pub fn len(&self) -> usize {
        self.data.as_ref().len()
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
            .into_iter()
            .map(|id| (id.name(), self.section(id).len()))
            .collect()
    }
}
