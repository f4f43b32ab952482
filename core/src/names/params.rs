//! The `name_params` section: the shape of both name tables and the local-part
//! code.
//!
//! `u32` domain lines, `u32` reserved, `u64` domain seed, `u32` address lines,
//! `u32` the address table's default posting block, `u64` address seed,
//! `u32` number of address domains (domains listed addresses are at), `u32`
//! reserved, then the code model ([`super::code::CodeModel::write`]).

use super::code::CodeModel;
use crate::artifact::section::SectionId;
use crate::artifact::wire::{Put, Reader};
use crate::error::Result;

/// The parameters of the name tables.
#[derive(Clone, Debug)]
pub(crate) struct NameParams {
    pub domain_lines: u32,
    pub domain_seed: u64,
    pub address_lines: u32,
    pub default_block: u32,
    pub address_seed: u64,
    pub address_domains: u32,
    pub code: CodeModel,
}

impl NameParams {
    /// Writes the section.
    pub(crate) fn write(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.put_u32(self.domain_lines);
        out.put_u32(0);
        out.put_u64(self.domain_seed);
        out.put_u32(self.address_lines);
        out.put_u32(self.default_block);
        out.put_u64(self.address_seed);
        out.put_u32(self.address_domains);
        out.put_u32(0);
        self.code.write(&mut out);
        out
    }

    /// Reads and validates the section.
    pub(crate) fn read(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, SectionId::NameParams);
        let domain_lines = r.u32()?;
        r.u32()?;
        let domain_seed = r.u64()?;
        let address_lines = r.u32()?;
        let default_block = r.u32()?;
        let address_seed = r.u64()?;
        let address_domains = r.u32()?;
        r.u32()?;
        let code = CodeModel::read(&mut r)?;
        r.finish()?;
        Ok(NameParams {
            domain_lines,
            domain_seed,
            address_lines,
            default_block,
            address_seed,
            address_domains,
            code,
        })
    }
}
