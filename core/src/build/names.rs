//! Writing the name sections: posting blocks, the domain table, the address
//! table (with its local-part code) and their parameters.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::names::addresses::{AddressRecord, AddressTable, MAX_INLINE_CODE};
use crate::names::code::{CodeModel, CODE_CAP};
use crate::names::domains::{DomainRecord, DomainTable};
use crate::names::lines::{self, Slot, LINE_ROOM};
use crate::names::overflow;
use crate::names::params::NameParams;
use crate::names::postings::{Posting, PostingsWriter};
use crate::names::NameForm;

/// Seed of the domain table's hash.
const DOMAIN_SEED: u64 = 0x6d78_6c69_7374_7364; // "mxlistsd"
/// How full the domain table's lines are made, in percent (few, larger
/// records a line: more room to place them all).
const DOMAIN_LOAD: usize = 85;
/// How full the address table's lines are made, in percent.
const ADDRESS_LOAD: usize = 92;
/// Seed of the address table's hash.
const ADDRESS_SEED: u64 = 0x6d78_6c69_7374_7361; // "mxlistsa"

/// One folded name entry: sorted by key, then list, then form.
pub(super) struct NameItem<'a> {
    /// The reversed key (see [`crate::names`]).
    pub key: &'a [u8],
    pub list: u16,
    pub form: NameForm,
    pub exclude: bool,
    /// String reference or `NO_STR`.
    pub reason: u32,
}

/// The name sections and each list's share of their bytes.
pub(super) struct NameSections {
    pub postings: Vec<u8>,
    pub posting_index: Vec<u8>,
    pub params: Vec<u8>,
    pub domain_lines: Vec<u8>,
    pub domain_overflow: Vec<u8>,
    pub address_lines: Vec<u8>,
    pub address_overflow: Vec<u8>,
    pub list_bytes: Vec<u64>,
}

#[derive(Default)]
struct DomainEntry {
    block: Option<u32>,
    has_addresses: bool,
}

/// One address: its domain (a slot of the address domains, in key order),
/// where its local part is in the arena, and its provisional block.
struct AddressEntry {
    slot: u32,
    local: u32,
    block: u32,
}

/// Appends the domain of a reversed key (`com.example` → `example.com`).
fn unreverse(rev: &[u8], out: &mut Vec<u8>) {
    for (i, label) in rev.rsplit(|&b| b == b'.').enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        out.extend_from_slice(label);
    }
}

/// Writes the name sections of the `count` items `item(i)` (sorted by key,
/// then list and form) for an artifact of `lists` lists.
pub(super) fn write<'a>(
    count: usize,
    item: impl Fn(usize) -> NameItem<'a>,
    lists: usize,
    forced_lines: Option<(u32, u32)>,
) -> Result<NameSections> {
    let mut postings = PostingsWriter::default();
    let mut domains: BTreeMap<Vec<u8>, DomainEntry> = BTreeMap::new();
    let mut addresses: Vec<AddressEntry> = Vec::new();
    // The address domains, in key order, and the local parts back to back
    // (`local_at[i]..local_at[i + 1]`).
    let mut slots: Vec<Vec<u8>> = Vec::new();
    let mut last_domain: &[u8] = &[];
    let mut locals: Vec<u8> = Vec::new();
    let mut local_at: Vec<u32> = vec![0];
    // Each block's lists, to share the bytes of the records using it.
    let mut block_lists: Vec<Vec<u16>> = Vec::new();
    let mut block = Vec::new();
    let mut name = Vec::new();
    let mut i = 0;
    while i < count {
        let key = item(i).key;
        block.clear();
        while i < count {
            let it = item(i);
            if it.key != key {
                break;
            }
            block.push(Posting {
                list: it.list,
                form: it.form,
                exclude: it.exclude,
                reason: it.reason,
            });
            i += 1;
        }
        let id = postings.add(&block);
        if id as usize == block_lists.len() {
            let mut l: Vec<u16> = block.iter().map(|p| p.list).collect();
            l.dedup();
            block_lists.push(l);
        }
        match key.iter().position(|&b| b == b'@') {
            Some(at) => {
                let rev = &key[..at];
                if slots.is_empty() || rev != last_domain {
                    name.clear();
                    unreverse(rev, &mut name);
                    domains.entry(name.clone()).or_default().has_addresses = true;
                    slots.push(name.clone());
                    last_domain = rev;
                }
                locals.extend_from_slice(&key[at + 1..]);
                local_at.push(
                    u32::try_from(locals.len())
                        .map_err(|_| Error::InvalidList("local parts over 4 GiB".into()))?,
                );
                addresses.push(AddressEntry {
                    slot: (slots.len() - 1) as u32,
                    local: (local_at.len() - 2) as u32,
                    block: id,
                });
            }
            None => {
                name.clear();
                unreverse(key, &mut name);
                domains.entry(name.clone()).or_default().block = Some(id);
            }
        }
    }
    let local = |i: u32| &locals[local_at[i as usize] as usize..local_at[i as usize + 1] as usize];
    let (postings, posting_index, number) = postings.finish();
    let mut list_weight = vec![0u64; lists];
    let mut weigh = |provisional: u32, size: usize| {
        for &l in &block_lists[provisional as usize] {
            list_weight[l as usize] += size as u64;
        }
    };

    // Domains: numbered by name among those listed addresses are at.
    let mut next_id = 0u32;
    let drecs: Vec<DomainRecord<'_>> = domains
        .iter()
        .map(|(name, e)| DomainRecord {
            name,
            block: e.block.map(|b| number[b as usize]),
            id: e.has_addresses.then(|| {
                next_id += 1;
                next_id - 1
            }),
        })
        .collect();
    let address_domains = next_id;
    let slot_ids: Vec<u32> = slots
        .iter()
        .map(|name| {
            let at = drecs
                .binary_search_by(|r| r.name.cmp(name))
                .expect("every slot has a record");
            drecs[at].id.expect("address domains have a number")
        })
        .collect();
    drop(slots);
    let mut scratch = Vec::new();
    let dsizes: Vec<u16> = drecs
        .iter()
        .map(|r| {
            scratch.clear();
            r.write(&mut scratch);
            scratch.len() as u16
        })
        .collect();
    for ((_, e), &size) in domains.iter().zip(&dsizes) {
        if let Some(b) = e.block {
            weigh(b, size as usize);
        }
    }
    let domain_lines = if drecs.is_empty() {
        0
    } else if let Some((d, _)) = forced_lines {
        d
    } else {
        lines::line_count(dsizes.iter().map(|&s| s as usize).sum(), DOMAIN_LOAD)
    };
    let dhomes: Vec<[u32; 2]> = drecs
        .iter()
        .map(|r| lines::home_lines(DomainTable::hash(DOMAIN_SEED, r.name), domain_lines))
        .collect();
    let dslots = lines::place(&dsizes, &dhomes, domain_lines);
    let (domain_lines_bytes, doverflow) =
        lines::write_lines(&dhomes, &dslots, domain_lines, |i, _, out| {
            drecs[i].write(out)
        });
    let mut doverflow: Vec<(u32, Vec<u8>)> = doverflow
        .into_iter()
        .map(|i| {
            let mut rec = Vec::new();
            drecs[i].write(&mut rec);
            (dhomes[i][0], rec)
        })
        .collect();
    doverflow.sort_by_key(|(line, _)| *line);

    // Addresses: local parts coded, placed by local-part hash and domain number.
    let code = CodeModel::train((0..addresses.len() as u32).map(local));
    let mut codes: Vec<u8> = Vec::new();
    let mut code_at: Vec<u32> = Vec::with_capacity(addresses.len() + 1);
    code_at.push(0);
    let mut buf = [0u8; CODE_CAP];
    for a in &addresses {
        let n = code
            .encode(local(a.local), &mut buf)
            .ok_or_else(|| Error::InvalidList("a local part cannot be coded".into()))?;
        codes.extend_from_slice(&buf[..n]);
        code_at.push(
            u32::try_from(codes.len())
                .map_err(|_| Error::InvalidList("local parts over 4 GiB".into()))?,
        );
    }
    let code_of = |i: usize| &codes[code_at[i] as usize..code_at[i + 1] as usize];
    let mut uses = vec![0u64; number.len()];
    for a in &addresses {
        uses[number[a.block as usize] as usize] += 1;
    }
    let default_block = (0..uses.len())
        .max_by_key(|&b| (uses[b], std::cmp::Reverse(b)))
        .unwrap_or(0) as u32;
    let domain_id = |a: &AddressEntry| slot_ids[a.slot as usize];
    let inline_size = |i: usize, high: u32| -> u16 {
        let n = code_of(i).len();
        if n > MAX_INLINE_CODE {
            return u16::MAX;
        }
        let block = number[addresses[i].block as usize];
        AddressRecord::inline_len(n, block, high, default_block) as u16
    };
    let address_lines = if addresses.is_empty() {
        0
    } else if let Some((_, a)) = forced_lines {
        a
    } else {
        let total: usize = (0..addresses.len())
            .map(|i| match inline_size(i, 0) {
                u16::MAX => 0,
                s => s as usize,
            })
            .sum();
        lines::line_count(total, ADDRESS_LOAD)
    };
    let ahomes: Vec<[u32; 2]> = addresses
        .iter()
        .map(|a| {
            let hash = AddressTable::hash(ADDRESS_SEED, local(a.local));
            AddressTable::lines_of(hash, domain_id(a), address_lines)
        })
        .collect();
    let high = |a: &AddressEntry| domain_id(a).checked_div(address_lines).unwrap_or(0);
    let asizes: Vec<u16> = (0..addresses.len())
        .map(|i| inline_size(i, high(&addresses[i])))
        .collect();
    let record = |i: usize, choice: u8| AddressRecord {
        choice,
        code: code_of(i),
        block: number[addresses[i].block as usize],
        high: high(&addresses[i]),
    };
    let aslots = lines::place(&asizes, &ahomes, address_lines);
    let (address_lines_bytes, aoverflow) =
        lines::write_lines(&ahomes, &aslots, address_lines, |i, choice, out| {
            record(i, choice).write_inline(default_block, out)
        });
    for (i, a) in addresses.iter().enumerate() {
        let size = match aslots[i] {
            Slot::Line { .. } => asizes[i] as usize,
            Slot::Overflow => 1 + code_of(i).len() + 3,
        };
        weigh(a.block, size);
    }
    let mut aoverflow: Vec<(u32, Vec<u8>)> = aoverflow
        .into_iter()
        .map(|i| {
            let mut rec = Vec::new();
            record(i, 0).write_overflow(&mut rec);
            (ahomes[i][0], rec)
        })
        .collect();
    aoverflow.sort_by_key(|(line, _)| *line);

    let params = NameParams {
        domain_lines,
        domain_seed: DOMAIN_SEED,
        address_lines,
        default_block,
        address_seed: ADDRESS_SEED,
        address_domains,
        code,
    }
    .write();
    let domain_overflow = overflow::write(&doverflow);
    let address_overflow = overflow::write(&aoverflow);
    let total = (postings.len()
        + posting_index.len()
        + params.len()
        + domain_lines_bytes.len()
        + domain_overflow.len()
        + address_lines_bytes.len()
        + address_overflow.len()) as u64;
    let weight: u64 = list_weight.iter().sum::<u64>().max(1);
    let list_bytes = list_weight.iter().map(|w| total * w / weight).collect();
    debug_assert!(LINE_ROOM < u16::MAX as usize);
    Ok(NameSections {
        postings,
        posting_index,
        params,
        domain_lines: domain_lines_bytes,
        domain_overflow,
        address_lines: address_lines_bytes,
        address_overflow,
        list_bytes,
    })
}
