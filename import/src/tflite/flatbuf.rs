//! A bounds-checked reader of FlatBuffers tables (the binary layout `.tflite` files use).
//!
//! A flatbuffer is a tree of tables: the file starts with a u32 offset to the root table; a
//! table starts with an i32 offset back to its vtable, whose u16 entries give each field's
//! position in the table (0: absent, take the default). Offsets to sub-tables, vectors and
//! strings are u32s relative to where they are stored. Every read here checks its bounds, so a
//! corrupt or truncated file is an error, never a panic, and no `unsafe` is needed.

/// A malformed file.
pub type Error = String;

fn corrupt(what: &str) -> Error {
    format!("the flatbuffer is corrupt or truncated ({what})")
}

fn read<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], Error> {
    buf.get(at..at.checked_add(N).ok_or_else(|| corrupt("offset"))?)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| corrupt("read past the end"))
}

fn u32_at(buf: &[u8], at: usize) -> Result<usize, Error> {
    Ok(u32::from_le_bytes(read(buf, at)?) as usize)
}

/// A table in a buffer.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

/// The root table of a buffer.
pub fn root(buf: &[u8]) -> Result<Table<'_>, Error> {
    Table::at(buf, u32_at(buf, 0)?)
}

impl<'a> Table<'a> {
    fn at(buf: &'a [u8], pos: usize) -> Result<Self, Error> {
        let back = i32::from_le_bytes(read(buf, pos)?) as i64;
        let vtable = usize::try_from(pos as i64 - back).map_err(|_| corrupt("vtable offset"))?;
        let vtable_len = u16::from_le_bytes(read(buf, vtable)?) as usize;
        Ok(Table { buf, pos, vtable, vtable_len })
    }

    /// The absolute position of field `id`, if present.
    fn field(&self, id: usize) -> Result<Option<usize>, Error> {
        let entry = 4 + 2 * id;
        if entry + 2 > self.vtable_len {
            return Ok(None);
        }
        let off = u16::from_le_bytes(read(self.buf, self.vtable + entry)?) as usize;
        Ok((off != 0).then_some(self.pos + off))
    }

    /// The target of the offset stored in field `id`.
    fn target(&self, id: usize) -> Result<Option<usize>, Error> {
        match self.field(id)? {
            None => Ok(None),
            Some(p) => Ok(Some(p + u32_at(self.buf, p)?)),
        }
    }

    /// A scalar field of `N` bytes, or `None` when absent.
    fn scalar<const N: usize>(&self, id: usize) -> Result<Option<[u8; N]>, Error> {
        self.field(id)?.map(|p| read(self.buf, p)).transpose()
    }

    /// A `ubyte`/`byte`/`bool` field.
    pub fn u8(&self, id: usize, default: u8) -> Result<u8, Error> {
        Ok(self.scalar::<1>(id)?.map_or(default, |b| b[0]))
    }

    /// An `int` field.
    pub fn i32(&self, id: usize, default: i32) -> Result<i32, Error> {
        Ok(self.scalar(id)?.map_or(default, i32::from_le_bytes))
    }

    /// A `uint` field.
    pub fn u32(&self, id: usize, default: u32) -> Result<u32, Error> {
        Ok(self.scalar(id)?.map_or(default, u32::from_le_bytes))
    }

    /// A `ulong` field.
    pub fn u64(&self, id: usize, default: u64) -> Result<u64, Error> {
        Ok(self.scalar(id)?.map_or(default, u64::from_le_bytes))
    }

    /// A `float` field.
    pub fn f32(&self, id: usize, default: f32) -> Result<f32, Error> {
        Ok(self.scalar(id)?.map_or(default, f32::from_le_bytes))
    }

    /// A sub-table field.
    pub fn table(&self, id: usize) -> Result<Option<Table<'a>>, Error> {
        self.target(id)?.map(|p| Table::at(self.buf, p)).transpose()
    }

    /// The elements of a vector field: (position of the first, count).
    fn vector(&self, id: usize, size: usize) -> Result<(usize, usize), Error> {
        let Some(p) = self.target(id)? else { return Ok((0, 0)) };
        let n = u32_at(self.buf, p)?;
        let end = n.checked_mul(size).and_then(|b| b.checked_add(p + 4));
        if end.is_none_or(|e| e > self.buf.len()) {
            return Err(corrupt("vector past the end"));
        }
        Ok((p + 4, n))
    }

    /// A vector of tables.
    pub fn tables(&self, id: usize) -> Result<Vec<Table<'a>>, Error> {
        let (start, n) = self.vector(id, 4)?;
        (0..n)
            .map(|k| Table::at(self.buf, start + 4 * k + u32_at(self.buf, start + 4 * k)?))
            .collect()
    }

    /// A vector of `ubyte`.
    pub fn bytes(&self, id: usize) -> Result<&'a [u8], Error> {
        let (start, n) = self.vector(id, 1)?;
        Ok(&self.buf[start..start + n])
    }

    /// A vector of `int`.
    pub fn i32s(&self, id: usize) -> Result<Vec<i32>, Error> {
        let (start, n) = self.vector(id, 4)?;
        (0..n).map(|k| read(self.buf, start + 4 * k).map(i32::from_le_bytes)).collect()
    }

    /// A vector of `float`.
    pub fn f32s(&self, id: usize) -> Result<Vec<f32>, Error> {
        let (start, n) = self.vector(id, 4)?;
        (0..n).map(|k| read(self.buf, start + 4 * k).map(f32::from_le_bytes)).collect()
    }

    /// A vector of `long`.
    pub fn i64s(&self, id: usize) -> Result<Vec<i64>, Error> {
        let (start, n) = self.vector(id, 8)?;
        (0..n).map(|k| read(self.buf, start + 8 * k).map(i64::from_le_bytes)).collect()
    }

    /// A `string` field.
    pub fn string(&self, id: usize) -> Result<Option<&'a str>, Error> {
        if self.target(id)?.is_none() {
            return Ok(None);
        }
        let bytes = self.bytes(id)?;
        std::str::from_utf8(bytes).map(Some).map_err(|_| corrupt("string is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built buffer: root table with an int (id 0, 7), absent id 1, a vector of ints
    /// (id 2: [3, 4]).
    fn sample() -> Vec<u8> {
        let mut b = vec![0u8; 4];
        // vtable at 4: len 10, table size 12, field offsets 4, 0, 8
        b.extend_from_slice(&[10, 0, 12, 0, 4, 0, 0, 0, 8, 0]);
        b.extend_from_slice(&[0, 0]); // pad to 16
        let table = b.len();
        b.extend_from_slice(&((table - 4) as i32).to_le_bytes()); // soffset to vtable at 4
        b.extend_from_slice(&7i32.to_le_bytes());
        let slot = b.len();
        b.extend_from_slice(&0u32.to_le_bytes());
        let vec = b.len();
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&3i32.to_le_bytes());
        b.extend_from_slice(&4i32.to_le_bytes());
        b[slot..slot + 4].copy_from_slice(&((vec - slot) as u32).to_le_bytes());
        b[0..4].copy_from_slice(&(table as u32).to_le_bytes());
        b
    }

    #[test]
    fn reads_fields_defaults_and_vectors() {
        let b = sample();
        let t = root(&b).unwrap();
        assert_eq!(t.i32(0, -1).unwrap(), 7);
        assert_eq!(t.i32(1, -1).unwrap(), -1);
        assert_eq!(t.i32s(2).unwrap(), vec![3, 4]);
        assert_eq!(t.i32s(5).unwrap(), Vec::<i32>::new());
    }

    #[test]
    fn truncation_is_an_error() {
        let b = sample();
        for n in [0, 3, 10, b.len() - 3] {
            let ok = root(&b[..n]).and_then(|t| t.i32s(2).map(|_| ())).is_ok();
            assert!(!ok, "{n} bytes read as valid");
        }
    }
}
