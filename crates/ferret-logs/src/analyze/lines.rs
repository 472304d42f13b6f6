//! Line splitting: [`LineReader`] over any reader (a large buffer, no allocation per line,
//! the previous line kept for `last message repeated`), and the allocating per-line
//! [`Records`] iterator.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::bytes::{sub, tail, Newlines};
use crate::envelope::{self, Envelope};
use crate::event::EventKind;
use crate::time::{TimeCache, YearContext};
use crate::Error;

use super::stream::{message_event, Rep};

/// Splits a stream into lines with `memchr` over a large buffer: no allocation per line,
/// `\r\n` handled, lines longer than the cap truncated (and reported as such).
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
    pub(super) line_no: u64,
    /// Buffer offset of a line whose previous line is gone (after an overlong line).
    no_prev_at: Option<usize>,
    newlines: Newlines,
}

/// One line from a [`LineReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// The bytes, without the newline and a trailing `\r`.
    pub text: &'a [u8],
    /// Length of the original line when it was truncated to the cap.
    pub truncated_from: Option<usize>,
}

impl<R: Read> LineReader<R> {
    /// A reader with a 1 MiB buffer and the given line cap.
    pub fn new(inner: R, max_line: usize) -> Self {
        let max_line = max_line.max(64);
        LineReader {
            inner,
            // Room for the kept previous line beside a line over the cap.
            buf: vec![0; (1 << 20).max(max_line * 3 + 2)],
            start: 0,
            end: 0,
            eof: false,
            max_line,
            line_no: 0,
            no_prev_at: None,
            newlines: Newlines::new(),
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        // The line before `start` stays in the buffer (for `last message repeated`) unless
        // it is over the cap.
        let before = self
            .buf
            .get(..self.start.saturating_sub(1))
            .unwrap_or_default();
        let mut keep = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
        if self.start - keep > self.max_line + 2 {
            keep = self.start;
        }
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.end -= keep;
            self.start -= keep;
            self.no_prev_at = self.no_prev_at.and_then(|x| x.checked_sub(keep));
        }
        while self.end < self.buf.len() {
            let Some(dst) = self.buf.get_mut(self.end..) else {
                break;
            };
            match self.inner.read(dst) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    if self.end - self.start > self.max_line {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// [`LineReader::next_line`] with access to the line before it.
    #[inline]
    pub(crate) fn next_with_prev(&mut self) -> Option<std::io::Result<(Line<'_>, PrevLine<'_>)>> {
        let (number, truncated_from, at, len) = match self.next_line()? {
            Ok(l) => (
                l.number,
                l.truncated_from,
                l.text.as_ptr() as usize,
                l.text.len(),
            ),
            Err(e) => return Some(Err(e)),
        };
        // The text lies in the buffer (an empty fallback slice may not: start 0).
        let start = at.wrapping_sub(self.buf.as_ptr() as usize);
        let start = if start <= self.buf.len() { start } else { 0 };
        let text = self
            .buf
            .get(start..start.saturating_add(len))
            .unwrap_or_default();
        let prev = PrevLine {
            buf: self.buf.get(..start).unwrap_or_default(),
            max_line: self.max_line,
            gone: start == 0 || self.no_prev_at == Some(start),
            floor: self.no_prev_at.filter(|x| *x < start).unwrap_or(0),
        };
        Some(Ok((
            Line {
                number,
                text,
                truncated_from,
            },
            prev,
        )))
    }

    /// Calls `f` on every whole line already in the buffer, in order, as
    /// [`LineReader::next_with_prev`] would return them, and stops before the first line
    /// that needs more (a line with no newline in the buffer yet, a line over the cap, the
    /// end): the caller takes that one from [`LineReader::next_with_prev`] and calls this
    /// again. One search per line, no `Option<Result<..>>` per line. An error of `f` stops the
    /// scan after its line.
    #[inline]
    pub(crate) fn scan<E>(
        &mut self,
        mut f: impl FnMut(Line<'_>, PrevLine<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let buf = self.buf.get(..self.end).unwrap_or_default();
        let (max_line, no_prev_at) = (self.max_line, self.no_prev_at);
        let mut s = self.start;
        let mut number = self.line_no;
        let mut r = Ok(());
        while let Some(n) = self.newlines.find(tail(buf, s)) {
            if n > max_line {
                break;
            }
            let text = sub(buf, s, s + n);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            number += 1;
            let prev = PrevLine {
                buf: sub(buf, 0, s),
                max_line,
                gone: s == 0 || no_prev_at == Some(s),
                floor: no_prev_at.filter(|x| *x < s).unwrap_or(0),
            };
            s += n + 1;
            r = f(
                Line {
                    number,
                    text,
                    truncated_from: None,
                },
                prev,
            );
            if r.is_err() {
                break;
            }
        }
        self.start = s;
        self.line_no = number;
        r
    }

    /// The next line, or `None` at the end.
    // Inlined into the line loops of other modules, as when they shared one.
    #[inline]
    pub fn next_line(&mut self) -> Option<std::io::Result<Line<'_>>> {
        loop {
            let avail = self.buf.get(self.start..self.end).unwrap_or_default();
            if let Some(n) = self.newlines.find(avail) {
                let s = self.start;
                self.start += n + 1;
                self.line_no += 1;
                if n > self.max_line {
                    return Some(Ok(Line {
                        number: self.line_no,
                        text: self.buf.get(s..s + self.max_line).unwrap_or_default(),
                        truncated_from: Some(n),
                    }));
                }
                let mut text = self.buf.get(s..s + n).unwrap_or_default();
                if let Some(t) = text.strip_suffix(b"\r") {
                    text = t;
                }
                return Some(Ok(Line {
                    number: self.line_no,
                    text,
                    truncated_from: None,
                }));
            }
            if avail.len() > self.max_line {
                // Overlong: keep the head, skip to the next newline.
                let s = self.start;
                let head: Vec<u8> = self
                    .buf
                    .get(s..s + self.max_line)
                    .unwrap_or_default()
                    .to_vec();
                let mut skipped = avail.len();
                self.start = self.end;
                loop {
                    if let Err(e) = self.fill() {
                        return Some(Err(e));
                    }
                    let avail = self.buf.get(self.start..self.end).unwrap_or_default();
                    if let Some(n) = self.newlines.find(avail) {
                        skipped += n;
                        self.start += n + 1;
                        break;
                    }
                    skipped += avail.len();
                    self.start = self.end;
                    if self.eof {
                        break;
                    }
                }
                self.line_no += 1;
                // Put the head back at the front of the buffer so the returned slice lives in it.
                let keep = self.end - self.start;
                let mut nb = head;
                let hl = nb.len();
                nb.extend_from_slice(self.buf.get(self.start..self.end).unwrap_or_default());
                nb.resize(self.buf.len().max(nb.len()), 0);
                self.buf = nb;
                self.start = hl;
                self.end = hl + keep;
                self.no_prev_at = Some(hl);
                return Some(Ok(Line {
                    number: self.line_no,
                    text: self.buf.get(..hl).unwrap_or_default(),
                    truncated_from: Some(skipped),
                }));
            }
            if self.eof {
                if avail.is_empty() {
                    return None;
                }
                let s = self.start;
                let n = avail.len();
                self.start = self.end;
                self.line_no += 1;
                let mut text = self.buf.get(s..s + n).unwrap_or_default();
                if let Some(t) = text.strip_suffix(b"\r") {
                    text = t;
                }
                return Some(Ok(Line {
                    number: self.line_no,
                    text,
                    truncated_from: None,
                }));
            }
            if let Err(e) = self.fill() {
                return Some(Err(e));
            }
        }
    }
}

/// The line before a line of a [`LineReader`], found only when asked (repeat lines).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrevLine<'a> {
    /// The buffer up to the line's start.
    buf: &'a [u8],
    max_line: usize,
    /// No previous line: start of the input, or it was overlong.
    gone: bool,
    /// Lines start at or after this offset (the head of an overlong line before it has no
    /// newline).
    floor: usize,
}

impl<'a> PrevLine<'a> {
    /// The previous line's text (`\r` stripped); `None` at the start or when it was
    /// truncated.
    pub(crate) fn get(self) -> Option<&'a [u8]> {
        if self.gone {
            return None;
        }
        let body = self.buf.get(..self.buf.len().checked_sub(1)?)?;
        let from = memchr::memrchr(b'\n', body).map_or(0, |p| p + 1);
        let t = body.get(from.max(self.floor)..)?;
        (t.len() <= self.max_line).then(|| t.strip_suffix(b"\r").unwrap_or(t))
    }
}

/// One parsed line, owned (the convenient, allocating iterator API).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// 1-based line number.
    pub line: u64,
    /// The envelope.
    pub envelope: Envelope<'static>,
    /// The recognised event, if any.
    pub event: Option<EventKind<'static>>,
}

/// Iterator of [`Record`]s over any reader (allocates per line; the analysis functions do not).
#[derive(Debug)]
pub struct Records<R> {
    reader: LineReader<R>,
    name: PathBuf,
    years: YearContext,
    times: TimeCache,
}

/// Parses every line of `reader` into owned records, without detection; `name` names the
/// reader in errors. Lines over 64 KiB are cut.
pub fn parse_lines<R: Read>(reader: R, name: impl AsRef<Path>, years: YearContext) -> Records<R> {
    Records {
        reader: LineReader::new(reader, 64 * 1024),
        name: name.as_ref().to_path_buf(),
        years,
        times: TimeCache::default(),
    }
}

impl<R: Read> Iterator for Records<R> {
    type Item = Result<Record, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        let line = match self.reader.next_line()? {
            Ok(l) => l,
            Err(e) => {
                return Some(Err(Error::Io {
                    path: self.name.clone(),
                    source: e,
                }))
            }
        };
        let env = envelope::parse_cached(line.text, &self.years, &mut self.times);
        let event = message_event(
            &env.program,
            env.pid,
            &env.message,
            line.truncated_from.is_some(),
            &mut { Rep::ONE },
        );
        let event = event.map(EventKind::into_owned);
        Some(Ok(Record {
            line: line.number,
            envelope: env.into_owned(),
            event,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader returning at most `step` bytes per call.
    struct Dribble<'a>(&'a [u8], usize);
    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn previous_line_survives_buffer_refills() {
        let max_line = 100;
        let mut data = Vec::new();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut k = 0u64;
        while data.len() < 3 << 20 {
            k = k
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = match k >> 60 {
                0 => 150 + (k >> 40) as usize % 3000, // over the cap
                1 => 0,
                _ => (k >> 40) as usize % 100,
            };
            let mut l: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            if k >> 59 & 1 == 1 && len < 99 {
                l.push(b'\r');
            }
            data.extend_from_slice(&l);
            data.push(b'\n');
            lines.push(l);
        }
        for step in [1 << 20, 4093] {
            let mut r = LineReader::new(Dribble(&data, step), max_line);
            let mut i = 0usize;
            while let Some(x) = r.next_with_prev() {
                let (line, prev) = x.unwrap();
                // Only whole lines ask for their previous line.
                if line.truncated_from.is_some() {
                    i += 1;
                    continue;
                }
                let want = i.checked_sub(1).and_then(|j: usize| {
                    let p: &Vec<u8> = &lines[j];
                    (p.len() <= max_line).then(|| p.strip_suffix(b"\r").unwrap_or(p))
                });
                assert_eq!(prev.get(), want, "line {i}, step {step}");
                i += 1;
            }
            assert_eq!(i, lines.len());
        }
    }

    /// [`LineReader::scan`] alternated with [`LineReader::next_with_prev`] (as the line loop
    /// drives them) gives the lines, numbers, cut lengths and previous lines that
    /// `next_with_prev` alone gives, across refills and overlong lines; an error of the
    /// callback stops the scan right after its line.
    #[test]
    fn scan_is_next_with_prev() {
        type Seen = (u64, Vec<u8>, Option<usize>, Option<Vec<u8>>);
        let max_line = 100;
        let mut data = Vec::new();
        let mut k = 7u64;
        while data.len() < 3 << 20 {
            k = k
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = match k >> 60 {
                0 => 150 + (k >> 40) as usize % 3000,
                1 => 0,
                2 => 100 + (k >> 40) as usize % 3,
                _ => (k >> 40) as usize % 100,
            };
            data.extend((0..len).map(|i| b'a' + (i % 26) as u8));
            if k >> 58 & 3 == 1 {
                data.push(b'\r');
            }
            data.push(b'\n');
        }
        // no newline at the end
        data.extend_from_slice(b"tail");
        let seen = |l: Line<'_>, p: PrevLine<'_>| -> Seen {
            (
                l.number,
                l.text.to_vec(),
                l.truncated_from,
                p.get().map(<[u8]>::to_vec),
            )
        };
        for step in [1 << 20, 4093, 65_537] {
            let mut want = Vec::new();
            let mut r = LineReader::new(Dribble(&data, step), max_line);
            while let Some(x) = r.next_with_prev() {
                let (l, p) = x.unwrap();
                want.push(seen(l, p));
            }
            let mut got = Vec::new();
            let mut r = LineReader::new(Dribble(&data, step), max_line);
            loop {
                r.scan(|l, p| {
                    got.push(seen(l, p));
                    Ok::<(), ()>(())
                })
                .unwrap();
                match r.next_with_prev() {
                    Some(x) => {
                        let (l, p) = x.unwrap();
                        got.push(seen(l, p));
                    }
                    None => break,
                }
            }
            assert_eq!(got.len(), want.len(), "step {step}");
            assert!(got == want, "step {step}");
            // An error stops the scan after its line; the reader goes on from the next.
            let short = b"a\nbb\r\nccc\ndddd\n";
            let mut r = LineReader::new(Dribble(short, step), max_line);
            // (a new reader's buffer is empty: the first line fills it)
            assert_eq!(r.next_line().unwrap().unwrap().text, b"a");
            let mut n = 0;
            assert_eq!(
                r.scan(|l, _| {
                    n += 1;
                    if l.number == 3 {
                        Err(n)
                    } else {
                        Ok(())
                    }
                }),
                Err(2)
            );
            let (l, p) = r.next_with_prev().unwrap().unwrap();
            assert_eq!(
                (l.number, l.text, p.get()),
                (4, &b"dddd"[..], Some(&b"ccc"[..]))
            );
        }
    }
}
