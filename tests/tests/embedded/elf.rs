//! Just enough of ELF32 (little-endian, as on every target here) to list sections and symbols.

use std::path::Path;

/// A section header.
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub kind: u32,
    pub flags: u32,
    pub addr: u32,
    pub size: u32,
}

/// A symbol table entry.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub name: String,
    pub value: u32,
    pub size: u32,
    /// `STT_*`: 1 object, 2 function.
    pub kind: u8,
    pub section: u16,
}

/// A parsed file.
#[derive(Debug)]
pub struct Elf {
    pub sections: Vec<Section>,
    pub symbols: Vec<Symbol>,
}

const SHT_SYMTAB: u32 = 2;
const SHT_NOBITS: u32 = 8;
const SHF_WRITE: u32 = 1;
const SHF_ALLOC: u32 = 2;

impl Elf {
    /// Reads `path`, panicking with the path on anything that is not a little-endian ELF32.
    pub fn read(path: &Path) -> Elf {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Bytes in flash: allocated sections with file contents (code, constants, `.data`'s
    /// initial values).
    pub fn flash_bytes(&self) -> u64 {
        self.sections
            .iter()
            .filter(|s| s.flags & SHF_ALLOC != 0 && s.kind != SHT_NOBITS)
            .map(|s| u64::from(s.size))
            .sum()
    }

    /// Bytes of static RAM: writable allocated sections (`.data`, `.bss`, `.uninit`), without
    /// the stack, which is measured at run time.
    pub fn static_ram_bytes(&self) -> u64 {
        self.sections
            .iter()
            .filter(|s| s.flags & SHF_ALLOC != 0 && s.flags & SHF_WRITE != 0)
            .map(|s| u64::from(s.size))
            .sum()
    }

    /// The first symbol whose (mangled) name contains `needle`.
    pub fn symbol(&self, needle: &str) -> Option<&Symbol> {
        self.symbols.iter().find(|s| s.name.contains(needle))
    }
}

fn parse(b: &[u8]) -> Result<Elf, String> {
    if b.len() < 52 || &b[..4] != b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    if b[4] != 1 || b[5] != 1 {
        return Err("not a little-endian 32-bit ELF file".into());
    }
    let shoff = u32_at(b, 0x20)? as usize;
    let shentsize = u16_at(b, 0x2e)? as usize;
    let shnum = u16_at(b, 0x30)? as usize;
    let shstrndx = u16_at(b, 0x32)? as usize;
    let raw: Vec<RawSection> =
        (0..shnum).map(|i| RawSection::at(b, shoff + i * shentsize)).collect::<Result<_, _>>()?;
    let names = raw.get(shstrndx).ok_or("no section name table")?;
    let mut sections = Vec::new();
    for s in &raw {
        sections.push(Section {
            name: cstr(b, names.offset as usize + s.name as usize)?,
            kind: s.kind,
            flags: s.flags,
            addr: s.addr,
            size: s.size,
        });
    }
    let mut symbols = Vec::new();
    for s in raw.iter().filter(|s| s.kind == SHT_SYMTAB) {
        let strtab = raw.get(s.link as usize).ok_or("symbol table without strings")?;
        for k in 0..(s.size / 16) as usize {
            let at = s.offset as usize + k * 16;
            symbols.push(Symbol {
                name: cstr(b, strtab.offset as usize + u32_at(b, at)? as usize)?,
                value: u32_at(b, at + 4)?,
                size: u32_at(b, at + 8)?,
                kind: *b.get(at + 12).ok_or("truncated symbol")? & 0xf,
                section: u16_at(b, at + 14)?,
            });
        }
    }
    Ok(Elf { sections, symbols })
}

struct RawSection {
    name: u32,
    kind: u32,
    flags: u32,
    addr: u32,
    offset: u32,
    size: u32,
    link: u32,
}

impl RawSection {
    fn at(b: &[u8], o: usize) -> Result<Self, String> {
        Ok(RawSection {
            name: u32_at(b, o)?,
            kind: u32_at(b, o + 4)?,
            flags: u32_at(b, o + 8)?,
            addr: u32_at(b, o + 12)?,
            offset: u32_at(b, o + 16)?,
            size: u32_at(b, o + 20)?,
            link: u32_at(b, o + 24)?,
        })
    }
}

fn u32_at(b: &[u8], o: usize) -> Result<u32, String> {
    let s = b.get(o..o + 4).ok_or("truncated ELF file")?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u16_at(b: &[u8], o: usize) -> Result<u16, String> {
    let s = b.get(o..o + 2).ok_or("truncated ELF file")?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}

fn cstr(b: &[u8], o: usize) -> Result<String, String> {
    let rest = b.get(o..).ok_or("string offset out of range")?;
    let end = rest.iter().position(|c| *c == 0).ok_or("unterminated string")?;
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}
