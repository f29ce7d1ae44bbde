//! The little of ELF the binary catalogers need, read with the `object` crate
//! (ELF only, no compression, no writing): a section's bytes by name, and the
//! bytes at a virtual address (through the `PT_LOAD` segments, as Go's
//! `debug/buildinfo` reads them).
//!
//! Every lookup is bounds-checked against the file: a section or segment that
//! claims bytes past the end of the file is treated as absent.

use object::{Object, ObjectSection, ObjectSegment, SegmentFlags};

use crate::error::{Error, Result};

/// The ELF magic number, the first four bytes of every ELF file.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

const PF_X: u32 = 1;
const PF_W: u32 = 2;

/// A parsed ELF file borrowing its bytes.
pub(crate) struct Elf<'a> {
    data: &'a [u8],
    file: object::File<'a>,
}

fn slice(data: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    data.get(start..end)
}

impl<'a> Elf<'a> {
    /// Parse the ELF headers of `data`; `file` names it in errors.
    pub(crate) fn parse(data: &'a [u8], file: &str) -> Result<Self> {
        if !data.starts_with(MAGIC) {
            return Err(Error::format(file, 0, "not an ELF file (bad magic)"));
        }
        let parsed = object::File::parse(data)
            .map_err(|e| Error::format(file, 0, format!("malformed ELF headers: {e}")))?;
        Ok(Elf { data, file: parsed })
    }

    /// The file bytes and offset of the section called `name`, when it
    /// exists and its bytes lie inside the file (`SHT_NOBITS` sections have none).
    pub(crate) fn section(&self, name: &str) -> Option<Section<'a>> {
        let s = self.file.section_by_name(name)?;
        let (offset, size) = s.file_range()?;
        Some(Section {
            offset,
            data: slice(self.data, offset, size)?,
        })
    }

    /// Up to `max` bytes starting at virtual address `addr`, from the file-backed
    /// part of the loadable segment that contains it.
    pub(crate) fn read_at(&self, addr: u64, max: u64) -> Option<&'a [u8]> {
        for seg in self.file.segments() {
            let base = seg.address();
            let (offset, filesz) = seg.file_range();
            let Some(rel) = addr.checked_sub(base) else {
                continue;
            };
            if rel >= filesz {
                continue;
            }
            let n = (filesz - rel).min(max);
            return slice(self.data, offset.checked_add(rel)?, n);
        }
        None
    }

    /// The virtual address of the first writable, non-executable loadable
    /// segment: where the Go linker puts its build information when the
    /// section headers are gone.
    pub(crate) fn first_data_segment(&self) -> Option<u64> {
        self.file
            .segments()
            .find(|s| {
                matches!(s.flags(), SegmentFlags::Elf { p_flags, .. } if p_flags.0 & (PF_X | PF_W) == PF_W)
            })
            .map(|s| s.address())
    }

    /// Offset in the file of `part`, a slice of the file's bytes returned by
    /// [`Elf::section`] or [`Elf::read_at`] (0 for any other slice).
    pub(crate) fn offset_of(&self, part: &[u8]) -> u64 {
        let base = self.data.as_ptr() as usize;
        let at = part.as_ptr() as usize;
        if at >= base && at - base <= self.data.len() {
            (at - base) as u64
        } else {
            0
        }
    }

    /// Whether the file is big-endian (for the old Go build-info format the
    /// blob says so itself; this is only a cross-check in tests).
    #[cfg(test)]
    pub(crate) fn is_little_endian(&self) -> bool {
        self.file.is_little_endian()
    }
}

/// A section's location and bytes.
pub(crate) struct Section<'a> {
    /// Offset of the section in the file.
    pub offset: u64,
    /// The section's bytes.
    pub data: &'a [u8],
}

#[cfg(test)]
pub(crate) mod tests {
    //! A tiny ELF64 little-endian writer for the tests of every binary cataloger.

    /// One section of a test ELF: name, virtual address, bytes, writable.
    pub struct TestSection<'a> {
        pub name: &'a str,
        pub addr: u64,
        pub data: &'a [u8],
        pub writable: bool,
    }

    /// Build an ELF64 LE executable holding `sections`, each also covered by its
    /// own `PT_LOAD` segment (when its address is non-zero), plus `.shstrtab`.
    pub fn build(sections: &[TestSection<'_>]) -> Vec<u8> {
        const EHDR: usize = 64;
        const PHDR: usize = 56;
        const SHDR: usize = 64;
        let loads: Vec<&TestSection<'_>> = sections.iter().filter(|s| s.addr != 0).collect();
        let mut shstrtab = vec![0u8];
        let mut name_offsets = Vec::new();
        for s in sections {
            name_offsets.push(shstrtab.len() as u32);
            shstrtab.extend_from_slice(s.name.as_bytes());
            shstrtab.push(0);
        }
        let shstr_name = shstrtab.len() as u32;
        shstrtab.extend_from_slice(b".shstrtab\0");

        let mut out = vec![0u8; EHDR + PHDR * loads.len()];
        let mut offsets = Vec::new();
        for s in sections {
            while out.len() % 16 != 0 {
                out.push(0);
            }
            offsets.push(out.len() as u64);
            out.extend_from_slice(s.data);
        }
        let shstr_off = out.len() as u64;
        out.extend_from_slice(&shstrtab);
        while out.len() % 8 != 0 {
            out.push(0);
        }
        let shoff = out.len() as u64;
        // Section headers: null, the sections, .shstrtab.
        out.extend_from_slice(&[0u8; SHDR]);
        for (i, s) in sections.iter().enumerate() {
            let mut h = Vec::with_capacity(SHDR);
            h.extend_from_slice(&name_offsets[i].to_le_bytes());
            h.extend_from_slice(&1u32.to_le_bytes()); // SHT_PROGBITS
            let flags: u64 = if s.addr != 0 {
                2 | u64::from(s.writable)
            } else {
                0
            };
            h.extend_from_slice(&flags.to_le_bytes());
            h.extend_from_slice(&s.addr.to_le_bytes());
            h.extend_from_slice(&offsets[i].to_le_bytes());
            h.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
            h.extend_from_slice(&[0u8; 8]); // link, info
            h.extend_from_slice(&1u64.to_le_bytes()); // align
            h.extend_from_slice(&0u64.to_le_bytes()); // entsize
            out.extend_from_slice(&h);
        }
        let mut h = Vec::with_capacity(SHDR);
        h.extend_from_slice(&shstr_name.to_le_bytes());
        h.extend_from_slice(&3u32.to_le_bytes()); // SHT_STRTAB
        h.extend_from_slice(&0u64.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes());
        h.extend_from_slice(&shstr_off.to_le_bytes());
        h.extend_from_slice(&(shstrtab.len() as u64).to_le_bytes());
        h.extend_from_slice(&[0u8; 8]);
        h.extend_from_slice(&1u64.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes());
        out.extend_from_slice(&h);
        let shnum = sections.len() as u16 + 2;

        // ELF header.
        let mut e = Vec::with_capacity(EHDR);
        e.extend_from_slice(b"\x7fELF");
        e.extend_from_slice(&[2, 1, 1, 0]); // 64-bit, LE, version 1, SysV
        e.extend_from_slice(&[0u8; 8]);
        e.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        e.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
        e.extend_from_slice(&1u32.to_le_bytes());
        e.extend_from_slice(&0u64.to_le_bytes()); // entry
        e.extend_from_slice(&(EHDR as u64).to_le_bytes()); // phoff
        e.extend_from_slice(&shoff.to_le_bytes());
        e.extend_from_slice(&0u32.to_le_bytes()); // flags
        e.extend_from_slice(&(EHDR as u16).to_le_bytes());
        e.extend_from_slice(&(PHDR as u16).to_le_bytes());
        e.extend_from_slice(&(loads.len() as u16).to_le_bytes());
        e.extend_from_slice(&(SHDR as u16).to_le_bytes());
        e.extend_from_slice(&shnum.to_le_bytes());
        e.extend_from_slice(&(shnum - 1).to_le_bytes());
        out[..EHDR].copy_from_slice(&e);

        // Program headers: one PT_LOAD per allocated section.
        let mut ph = EHDR;
        for (i, s) in sections.iter().enumerate() {
            if s.addr == 0 {
                continue;
            }
            let mut p = Vec::with_capacity(PHDR);
            p.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
            let flags: u32 = if s.writable { 4 | 2 } else { 4 };
            p.extend_from_slice(&flags.to_le_bytes());
            p.extend_from_slice(&offsets[i].to_le_bytes());
            p.extend_from_slice(&s.addr.to_le_bytes());
            p.extend_from_slice(&s.addr.to_le_bytes());
            p.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
            p.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
            p.extend_from_slice(&16u64.to_le_bytes());
            out[ph..ph + PHDR].copy_from_slice(&p);
            ph += PHDR;
        }
        out
    }

    #[test]
    fn builder_round_trip() {
        let elf = build(&[
            TestSection {
                name: ".rodata",
                addr: 0x1000,
                data: b"hello world",
                writable: false,
            },
            TestSection {
                name: ".data",
                addr: 0x2000,
                data: b"0123456789",
                writable: true,
            },
            TestSection {
                name: ".note",
                addr: 0,
                data: b"xyz",
                writable: false,
            },
        ]);
        let e = super::Elf::parse(&elf, "t").unwrap();
        assert!(e.is_little_endian());
        assert_eq!(e.section(".note").unwrap().data, b"xyz");
        assert_eq!(e.section(".data").unwrap().data, b"0123456789");
        assert!(e.section(".nothere").is_none());
        assert_eq!(e.read_at(0x1006, 100).unwrap(), b"world");
        assert_eq!(e.read_at(0x1006, 2).unwrap(), b"wo");
        assert!(e.read_at(0x100b, 1).is_none());
        assert!(e.read_at(0x0fff, 1).is_none());
        assert_eq!(e.first_data_segment(), Some(0x2000));
        assert!(super::Elf::parse(b"\x7fELF\x02\x01", "t").is_err());
        assert!(super::Elf::parse(b"MZ", "t").is_err());
    }
}
