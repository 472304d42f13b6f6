//! Where the bytes come from: memory, or positioned reads on an open file.

use std::io;

/// A read-only, random-access byte source: a database file or its `-wal`.
///
/// Implemented for byte slices and vectors (a file already in memory, a fuzz input) and for
/// [`ferret_core::SafeFile`] and [`FileSource`] (positioned `pread`s on an open descriptor:
/// no seek, no mmap, no lock). Readers never ask for bytes past [`ByteSource::size`].
pub trait ByteSource {
    /// The size in bytes (fixed when the source was opened).
    fn size(&self) -> u64;

    /// Fills `buf` from `offset`; an error when fewer bytes are there.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

fn short() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "read past the end of the data",
    )
}

impl ByteSource for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| short())?;
        let end = start.checked_add(buf.len()).ok_or_else(short)?;
        let src = self.get(start..end).ok_or_else(short)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

impl ByteSource for Vec<u8> {
    fn size(&self) -> u64 {
        self.as_slice().size()
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }
}

impl<T: ByteSource + ?Sized> ByteSource for &T {
    fn size(&self) -> u64 {
        (**self).size()
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }
}

/// An open file read with positioned reads (`pread`); its size is taken once, when wrapped.
#[derive(Debug)]
pub struct FileSource {
    file: std::fs::File,
    size: u64,
}

impl FileSource {
    /// Wraps an open file (its size is read now, with `fstat`).
    pub fn new(file: std::fs::File) -> io::Result<Self> {
        let size = file.metadata()?.len();
        Ok(FileSource { file, size })
    }

    /// The file.
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }
}

fn pread(file: &std::fs::File, size: u64, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let end = offset.checked_add(buf.len() as u64).ok_or_else(short)?;
    if end > size {
        return Err(short());
    }
    file.read_exact_at(buf, offset)
}

impl ByteSource for FileSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        pread(&self.file, self.size, buf, offset)
    }
}

impl ByteSource for ferret_core::SafeFile {
    fn size(&self) -> u64 {
        self.stat().size
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        pread(self.file(), self.stat().size, buf, offset)
    }
}
