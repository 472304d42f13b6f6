//! The parallel path (`jobs` > 1): a reader thread reads blocks, workers parse pieces of them
//! into compact observations ([`super::packed`]), and the calling thread folds them into the
//! detector strictly in file order, so that the answer equals the sequential one.

use std::borrow::Cow;
use std::io::Read;

use ferret_core::Control;

use crate::envelope::{self, Envelope};
use crate::event::EventKind;
use crate::time::{TimeCache, YearContext};

use super::packed::{pack, unpack, PackedObs, Packer, Unpacker, MAX_PIECE};
use super::stream::{
    is_sshd, message_event, no_envelope, run_stream, run_stream_from, Rep, Source,
};
use super::{Acc, FileSummary};

/// Chunk result of the parallel path: compact observations whose fields are spans of the
/// piece (see [`crate::packed`]).
struct Chunk {
    lines: u64,
    unparsed: u64,
    unrecognized: u64,
    obs: Vec<PackedObs>,
    /// Field bytes that are not in the piece.
    arena: Vec<u8>,
    /// Truncated lines: (chunk-local line, original length), in order.
    long: Vec<(u64, usize)>,
    /// Repeat lines whose count was capped (chunk-local line), in order.
    capped: Vec<u64>,
    /// Samples of unparsed lines: (chunk-local line, start and end in the piece).
    unparsed_at: Vec<(u64, usize, usize)>,
}

/// Where `text` (a slice of `data`) lies in it.
fn range_in(data: &[u8], text: &[u8]) -> (usize, usize) {
    let at = (text.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    let at = at.min(data.len());
    (at, at + text.len().min(data.len() - at))
}

/// Parses a piece of whole lines exactly as [`LineReader`] and [`run_stream`] would: the
/// same length cap (at least 64), `\r` stripped only from lines under the cap, overlong
/// lines counted and flagged.
/// `before`: the source of a leading `last message repeated` line (see [`Source::before`]).
fn parse_chunk(
    data: &[u8],
    before: Option<&[u8]>,
    bufs: Bufs,
    years: &YearContext,
    max_line: usize,
    max_samples: usize,
) -> Chunk {
    let max_line = max_line.max(64);
    // About one event per 100 bytes of auth log: at most one allocation per piece (none once
    // the recycled vectors have grown).
    let Bufs { mut obs, mut arena } = bufs;
    obs.clear();
    obs.reserve(data.len() / 96 + 1);
    arena.clear();
    let mut c = Chunk {
        lines: 0,
        unparsed: 0,
        unrecognized: 0,
        obs,
        arena,
        long: Vec::new(),
        capped: Vec::new(),
        unparsed_at: Vec::new(),
    };
    let mut times = TimeCache::default();
    let mut src = before;
    let mut pos = 0;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or_default();
        let n = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = rest.get(..n).unwrap_or_default();
        pos += n + 1;
        c.lines += 1;
        let truncated = n > max_line;
        let text = if truncated {
            c.long.push((c.lines, n));
            line.get(..max_line).unwrap_or_default()
        } else {
            line.strip_suffix(b"\r").unwrap_or(line)
        };
        // The event is built straight into the piece's vector.
        let env = envelope::parse_cached(text, years, &mut times);
        let mut rep = Rep::ONE;
        let event = match (&env.program, &env.message) {
            (Cow::Borrowed(p), Cow::Borrowed(m)) => {
                message_event(p, env.pid, m, truncated, &mut rep)
            }
            (p, m) => message_event(p, env.pid, m, truncated, &mut rep).map(EventKind::into_owned),
        };
        if rep.capped || rep.last {
            if rep.capped {
                c.capped.push(c.lines);
            }
            if rep.last {
                last_repeat_chunk(&mut c, data, src, &env, years, text, rep, max_samples);
                continue;
            }
        }
        // Any line but `last message repeated` is the source of the repeat lines after it.
        src = if truncated { None } else { Some(text) };
        let unparsed = event.is_none() && no_envelope(&env);
        if unparsed {
            c.unparsed += 1;
            if c.unparsed_at.len() < max_samples {
                let (a, b) = range_in(data, text);
                c.unparsed_at.push((c.lines, a, b));
            }
        }
        match event {
            Some(event) => {
                let kind = pack(&event, &mut Packer::new(data, &mut c.arena));
                c.obs.push(PackedObs {
                    line: u32::try_from(c.lines).unwrap_or(u32::MAX),
                    time: env.time,
                    pid: env.pid,
                    sshd: is_sshd(&env.program),
                    again: false,
                    kind,
                    repeat: u32::try_from(rep.times).unwrap_or(u32::MAX),
                });
            }
            None => c.unrecognized += u64::from(!unparsed),
        }
    }
    c
}

/// A `last message repeated` line of a piece: the source's event as an observation, or the
/// line counted as unparsed / unrecognized (as [`last_repeat_stream`] does).
#[cold]
#[inline(never)]
fn last_repeat_chunk(
    c: &mut Chunk,
    data: &[u8],
    src: Option<&[u8]>,
    env: &Envelope<'_>,
    years: &YearContext,
    text: &[u8],
    rep: Rep,
    max_samples: usize,
) {
    match Source::resolve(src, env, years) {
        Some((event, pid, sshd)) => {
            let kind = pack(&event, &mut Packer::new(data, &mut c.arena));
            c.obs.push(PackedObs {
                line: u32::try_from(c.lines).unwrap_or(u32::MAX),
                time: env.time,
                pid,
                sshd,
                again: true,
                kind,
                repeat: u32::try_from(rep.times).unwrap_or(u32::MAX),
            });
        }
        None if no_envelope(env) => {
            c.unparsed += 1;
            if c.unparsed_at.len() < max_samples {
                let (a, b) = range_in(data, text);
                c.unparsed_at.push((c.lines, a, b));
            }
        }
        None => c.unrecognized += 1,
    }
}

/// One block read by [`read_block`].
#[derive(Debug, Clone, Copy)]
struct Block {
    /// Bytes of whole lines at the front of the buffer.
    end: usize,
    /// Bytes read into the buffer (`end` plus the partial line carried to the next block).
    filled: usize,
    /// The input ended.
    eof: bool,
    /// A full block without a newline: a line longer than the block.
    overlong: bool,
}

/// Reads the next block into `buf` (reused): the carried partial line, then input up to
/// `cap` bytes, cut after the last newline (the rest is carried).
fn read_block<R: Read>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    carry: &mut Vec<u8>,
    cap: usize,
    control: &Control,
) -> Result<Block, std::io::Error> {
    let old = carry.len();
    let want = cap.max(old + (1 << 20));
    // Reads go straight into the buffer, which keeps its length from block to block
    // (`read_to_end` would zero the spare room before every block for a reader without
    // `read_buf`, such as the progress wrapper). The buffer grows by doubling as it fills, up
    // to the block size: a small input never has a whole block zeroed for it (a freed
    // block-sized buffer is reused from the heap, and zeroed again, by the next call).
    if buf.len() < old.max(FIRST_READ).min(want) {
        buf.resize(old.max(FIRST_READ).min(want), 0);
    }
    if let Some(head) = buf.get_mut(..old) {
        head.copy_from_slice(carry);
    }
    carry.clear();
    let mut filled = old;
    while filled < want {
        if filled >= buf.len() {
            buf.resize(buf.len().saturating_mul(2).clamp(FIRST_READ, want), 0);
        }
        let end = want.min(buf.len());
        let Some(dst) = buf.get_mut(filled..end) else {
            break;
        };
        match reader.read(dst) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // Fewer bytes than asked: the input ended (a block ending exactly at the end of the input
    // is followed by an empty one).
    let eof = filled < want;
    if !control.charge((filled - old) as u64) {
        return Err(std::io::Error::other("cancelled"));
    }
    let data = buf.get(..filled).unwrap_or_default();
    let mut block = Block {
        end: filled,
        filled,
        eof,
        overlong: false,
    };
    if !eof {
        match memchr::memrchr(b'\n', data) {
            Some(p) => {
                carry.extend_from_slice(data.get(p + 1..).unwrap_or_default());
                block.end = p + 1;
            }
            None => block.overlong = true,
        }
    }
    Ok(block)
}

/// Splits `data` into about `n` pieces at newlines.
fn split_lines(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..n {
        let target = data.len() * k / n;
        if target <= start {
            continue;
        }
        let at = memchr::memchr(b'\n', data.get(target..).unwrap_or_default())
            .map_or(data.len(), |p| target + p + 1);
        out.push(data.get(start..at).unwrap_or_default());
        start = at;
    }
    out.push(data.get(start..).unwrap_or_default());
    out
}

/// Measured cost of folding a piece relative to parsing one (the parallel path's balance).
#[derive(Default)]
struct Cost {
    fold: std::time::Duration,
    folds: u32,
    parse: std::time::Duration,
    parses: u32,
}

impl Cost {
    /// Fold time per piece over parse time per piece (0.5 until both are measured).
    fn ratio(&self) -> f64 {
        if self.folds == 0 || self.parses == 0 {
            return 0.5;
        }
        let f = self.fold.as_secs_f64() / f64::from(self.folds);
        let p = self.parse.as_secs_f64() / f64::from(self.parses);
        if p > 0.0 {
            (f / p).clamp(0.05, 4.0)
        } else {
            0.5
        }
    }
}

/// A piece's reusable vectors (kept from block to block).
#[derive(Default)]
struct Bufs {
    obs: Vec<PackedObs>,
    arena: Vec<u8>,
}

/// Folds one parsed piece into the detector, in file order.
fn fold_chunk(
    acc: &mut Acc<'_>,
    path: &[u8],
    summary: &mut FileSummary,
    base: &mut u64,
    data: &[u8],
    c: &Chunk,
) {
    let u = Unpacker {
        data,
        arena: &c.arena,
    };
    summary.lines += c.lines;
    summary.unparsed += c.unparsed;
    summary.unrecognized += c.unrecognized;
    summary.long_lines += c.long.len() as u64;
    summary.events += c.obs.len() as u64;
    for &(l, a, b) in &c.unparsed_at {
        acc.sample(path, *base + l, data.get(a..b).unwrap_or_default());
    }
    // Overlong lines are flagged before their own event, as the sequential path does.
    let mut long = c.long.iter().peekable();
    let mut capped = c.capped.iter().peekable();
    for o in &c.obs {
        let line = u64::from(o.line);
        while let Some((l, n)) = long.next_if(|x| x.0 <= line) {
            acc.det.long_line(*base + l, *n);
        }
        while let Some(l) = capped.next_if(|x| **x <= line) {
            acc.det.repeat_capped(*base + l);
        }
        if acc.in_range(o.time) {
            let event = unpack(&o.kind, u);
            if o.repeat == 1 && !o.again {
                acc.det
                    .observe_event(*base + line, o.time, o.pid, o.sshd, &event);
            } else {
                acc.det.observe_repeated(
                    *base + line,
                    o.time,
                    o.pid,
                    o.sshd,
                    &event,
                    u64::from(o.repeat),
                    o.again,
                );
            }
            // Every field borrows the piece or the arena (`unpack` makes no `Cow::Owned`):
            // nothing to free, so the drop glue's per-field checks are skipped.
            std::mem::forget(event);
        }
    }
    for (l, n) in long {
        acc.det.long_line(*base + l, *n);
    }
    for l in capped {
        acc.det.repeat_capped(*base + l);
    }
    *base += c.lines;
}

/// Bytes the parallel path (`jobs` > 1) reads per block (more for a line cap over 2 MiB): a
/// tuning constant, which may change.
pub const PARALLEL_BLOCK: usize = 4 << 20;
/// Target size of a piece of a block, the unit of parallel parsing: a tuning constant, which
/// may change. 512 KiB: measured faster than 64, 128 and 256 KiB (fewer hand-overs, chunks
/// still small) and than 1 MiB (balance).
pub const PARALLEL_PIECE: usize = 512 << 10;

/// The first read of a block fills at most this much; the buffer doubles from there.
const FIRST_READ: usize = 64 << 10;

/// One block of whole lines shared by the threads of the parallel path.
struct SharedBlock {
    /// The buffer (whole lines at the front, then spare room).
    buf: Vec<u8>,
    /// The pieces, as ranges of `buf`.
    pieces: Vec<(usize, usize)>,
    /// Each piece's `last message repeated` source (see [`Source::before`]).
    befores: Vec<Option<Vec<u8>>>,
}

impl SharedBlock {
    fn piece(&self, i: usize) -> &[u8] {
        self.pieces
            .get(i)
            .and_then(|&(a, b)| self.buf.get(a..b))
            .unwrap_or_default()
    }
}

/// A piece to parse: its block, its index, and the block's place in the file.
struct Job {
    block: std::sync::Arc<SharedBlock>,
    piece: usize,
    seq: u64,
}

/// The queue of pieces to parse, in file order.
#[derive(Default)]
struct Queue {
    jobs: std::collections::VecDeque<Job>,
    /// No more jobs will come.
    closed: bool,
}

/// What the block reader hands the folding thread.
enum Fetched {
    /// The next block (its jobs are queued already).
    Block(std::sync::Arc<SharedBlock>),
    /// A line longer than a block: these bytes (then the rest of the input) go through the
    /// sequential path.
    Overlong(Vec<u8>),
    Error(std::io::Error),
}

/// Closes the queue and wakes every waiting worker when the folding thread leaves, however it
/// leaves (so the scope's threads all end).
struct CloseOnDrop<'q>(&'q (std::sync::Mutex<Queue>, std::sync::Condvar));

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        if let Ok(mut q) = self.0 .0.lock() {
            q.closed = true;
            q.jobs.clear();
        }
        self.0 .1.notify_all();
    }
}

/// Puts a parsed chunk in its block's slot (or aside, when its block has not been handed
/// over yet), and counts its parse time.
fn store(
    inflight: &mut std::collections::VecDeque<InFlight>,
    early: &mut Vec<(u64, usize, Chunk)>,
    cost: &mut Cost,
    first_seq: u64,
    (seq, piece, c, took): (u64, usize, Chunk, std::time::Duration),
) {
    cost.parse += took;
    cost.parses += 1;
    let k = usize::try_from(seq.wrapping_sub(first_seq)).unwrap_or(usize::MAX);
    match inflight.get_mut(k).and_then(|f| f.slots.get_mut(piece)) {
        Some(slot) => *slot = Some(c),
        None => early.push((seq, piece, c)),
    }
}

/// A block being folded: its pieces' chunks as they arrive, and the next one to fold.
struct InFlight {
    block: std::sync::Arc<SharedBlock>,
    slots: Vec<Option<Chunk>>,
    next: usize,
}

/// Parallel path, `jobs` threads in all, pipelined across blocks: a reader thread reads the
/// file in blocks, cuts each into pieces at line boundaries and queues them; `jobs - 1`
/// workers parse pieces from the front of the queue into compact chunks ([`crate::packed`]);
/// this thread folds the chunks into the detector strictly in file order, and parses pieces
/// from the back of the queue while the unparsed pieces outweigh its folding still to do.
/// Nobody waits at block boundaries: workers go on into the next block while this thread
/// folds the end of the previous one. Results equal the sequential path exactly; memory is
/// bounded by three blocks (one read ahead, up to two being parsed and folded) and their
/// chunks. A line longer than a whole block sends the rest of the input through the
/// sequential path.
pub(super) fn run_parallel<R: Read + Send>(
    acc: &mut Acc<'_>,
    path: &[u8],
    mut reader: R,
    years: &YearContext,
    control: &Control,
    summary: &mut FileSummary,
) -> Result<(), std::io::Error> {
    use std::sync::mpsc::{sync_channel, TryRecvError};
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::{Duration, Instant};
    /// Blocks in memory at once: being read, being parsed, being folded.
    const BUFFERS: usize = 3;
    let jobs = acc.opts.jobs.max(1);
    let (max_line, max_samples) = (acc.opts.max_line, acc.opts.max_samples);
    // Any line within the cap fits a block with room to spare.
    let cap = PARALLEL_BLOCK.max(max_line.saturating_mul(2).saturating_add(1));
    // Spans of the compact observations address at most 2 GiB (a line cap over 1 GiB).
    if cap > MAX_PIECE {
        return run_stream(acc, path, reader, years, control, summary);
    }
    let queue = (Mutex::new(Queue::default()), Condvar::new());
    // Spare vectors for the chunks (returned after folding).
    let spare: Mutex<Vec<Bufs>> = Mutex::new(Vec::new());
    let mut base = 0u64;
    let mut cost = Cost::default();
    let (overlong, error) = std::thread::scope(|scope| {
        let close = CloseOnDrop(&queue);
        let queue = &queue;
        let (btx, brx) = sync_channel::<Fetched>(BUFFERS);
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let (rtx, rrx) = std::sync::mpsc::channel::<(u64, usize, Chunk, Duration)>();
        // The reader: blocks, their pieces and `last message repeated` sources, queued.
        let reader = &mut reader;
        scope.spawn(move || {
            let mut carry = Vec::new();
            let mut run_src: Option<Vec<u8>> = None;
            let mut made = 0;
            let mut seq = 0u64;
            loop {
                let mut buf = if made < BUFFERS {
                    made += 1;
                    Vec::new()
                } else {
                    match free_rx.recv() {
                        Ok(b) => b,
                        Err(_) => break,
                    }
                };
                let block = match read_block(reader, &mut buf, &mut carry, cap, control) {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = btx.send(Fetched::Error(e));
                        break;
                    }
                };
                if block.overlong {
                    buf.truncate(block.filled);
                    let _ = btx.send(Fetched::Overlong(buf));
                    break;
                }
                let data = buf.get(..block.end).unwrap_or_default();
                // At least two pieces per thread, so small inputs are shared (and piece
                // boundaries exercised) too.
                let n = data.len().div_ceil(PARALLEL_PIECE).max(jobs * 2);
                let pieces: Vec<(usize, usize)> = split_lines(data, n)
                    .into_iter()
                    .map(|p| range_in(data, p))
                    .collect();
                let mut befores = Vec::with_capacity(pieces.len());
                for &(a, b) in &pieces {
                    befores.push(run_src.clone());
                    if let Some(src) =
                        Source::before(data.get(a..b).unwrap_or_default(), years, max_line)
                    {
                        run_src = src.map(<[u8]>::to_vec);
                    }
                }
                let shared = Arc::new(SharedBlock {
                    buf,
                    pieces,
                    befores,
                });
                if let Ok(mut q) = queue.0.lock() {
                    for piece in 0..shared.pieces.len() {
                        q.jobs.push_back(Job {
                            block: Arc::clone(&shared),
                            piece,
                            seq,
                        });
                    }
                }
                queue.1.notify_all();
                seq += 1;
                if btx.send(Fetched::Block(shared)).is_err() || block.eof {
                    break;
                }
            }
            if let Ok(mut q) = queue.0.lock() {
                q.closed = true;
            }
            queue.1.notify_all();
        });
        let parse = move |job: Job, bufs: Bufs| -> (u64, usize, Chunk, Duration) {
            let t0 = Instant::now();
            let b = &job.block;
            let before = b.befores.get(job.piece).and_then(Option::as_deref);
            let c = parse_chunk(
                b.piece(job.piece),
                before,
                bufs,
                years,
                max_line,
                max_samples,
            );
            (job.seq, job.piece, c, t0.elapsed())
        };
        let spare = &spare;
        let take_spare = move || {
            spare
                .lock()
                .ok()
                .and_then(|mut v| v.pop())
                .unwrap_or_default()
        };
        for _ in 1..jobs {
            let rtx = rtx.clone();
            scope.spawn(move || loop {
                let job = {
                    let Ok(mut q) = queue.0.lock() else { break };
                    loop {
                        if let Some(j) = q.jobs.pop_front() {
                            break Some(j);
                        }
                        if q.closed {
                            break None;
                        }
                        match queue.1.wait(q) {
                            Ok(g) => q = g,
                            Err(_) => return,
                        }
                    }
                };
                let Some(job) = job else { break };
                // The block is released before the chunk is sent, so the folding thread
                // holds the last reference once every chunk of the block has arrived.
                let r = parse(job, take_spare());
                if rtx.send(r).is_err() {
                    break;
                }
            });
        }
        drop(rtx);
        let mut inflight: std::collections::VecDeque<InFlight> = std::collections::VecDeque::new();
        let mut first_seq = 0u64;
        let mut reader_done = false;
        let mut overlong = None;
        let mut error = None;
        // Chunks of a block the reader has queued but not yet handed over.
        let mut early: Vec<(u64, usize, Chunk)> = Vec::new();
        loop {
            if control.is_cancelled() {
                error = Some(std::io::Error::other("cancelled"));
                break;
            }
            // New blocks (their jobs are queued already).
            while !reader_done {
                let msg = if inflight.is_empty() {
                    brx.recv().ok()
                } else {
                    match brx.try_recv() {
                        Ok(m) => Some(m),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => None,
                    }
                };
                match msg {
                    Some(Fetched::Block(block)) => {
                        let n = block.pieces.len();
                        let mut slots: Vec<Option<Chunk>> = (0..n).map(|_| None).collect();
                        let seq = first_seq + inflight.len() as u64;
                        for (s, p, c) in std::mem::take(&mut early) {
                            match slots.get_mut(p) {
                                Some(slot) if s == seq => *slot = Some(c),
                                _ => early.push((s, p, c)),
                            }
                        }
                        inflight.push_back(InFlight {
                            block,
                            slots,
                            next: 0,
                        });
                    }
                    Some(Fetched::Overlong(head)) => {
                        overlong = Some(head);
                        reader_done = true;
                    }
                    Some(Fetched::Error(e)) => {
                        error = Some(e);
                        reader_done = true;
                    }
                    None => reader_done = true,
                }
            }
            let Some(front) = inflight.front_mut() else {
                if reader_done {
                    break;
                }
                continue;
            };
            // Fold the next chunk in file order when it is there.
            if let Some(c) = front.slots.get_mut(front.next).and_then(Option::take) {
                let t0 = Instant::now();
                let piece = front.block.piece(front.next);
                fold_chunk(acc, path, summary, &mut base, piece, &c);
                cost.fold += t0.elapsed();
                cost.folds += 1;
                front.next += 1;
                if let Ok(mut v) = spare.lock() {
                    v.push(Bufs {
                        obs: c.obs,
                        arena: c.arena,
                    });
                }
                if front.next >= front.slots.len() {
                    if let Some(done) = inflight.pop_front() {
                        first_seq += 1;
                        // Every job of the block has been parsed and released: the buffer
                        // goes back to the reader.
                        if let Ok(b) = Arc::try_unwrap(done.block) {
                            let _ = free_tx.send(b.buf);
                        } else {
                            let _ = free_tx.send(Vec::new());
                        }
                    }
                }
                continue;
            }
            match rrx.try_recv() {
                Ok(r) => {
                    store(&mut inflight, &mut early, &mut cost, first_seq, r);
                    continue;
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
            }
            // Parse a piece here while the unparsed pieces outweigh the folding still to do
            // (otherwise this thread would end up folding a backlog alone while the workers
            // idle); from the back, so the pieces it folds first are the workers'.
            let to_fold: usize = inflight.iter().map(|f| f.slots.len() - f.next).sum();
            let job = queue.0.lock().ok().and_then(|mut q| {
                let waiting = q.jobs.len();
                (jobs == 1 || waiting as f64 > to_fold as f64 * cost.ratio())
                    .then(|| q.jobs.pop_back())
                    .flatten()
            });
            if let Some(job) = job {
                let r = parse(job, take_spare());
                store(&mut inflight, &mut early, &mut cost, first_seq, r);
                continue;
            }
            match rrx.recv_timeout(Duration::from_millis(50)) {
                Ok(r) => store(&mut inflight, &mut early, &mut cost, first_seq, r),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                // No worker left: whatever is queued is parsed here.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let job = queue.0.lock().ok().and_then(|mut q| q.jobs.pop_back());
                    match job {
                        Some(job) => {
                            let r = parse(job, take_spare());
                            store(&mut inflight, &mut early, &mut cost, first_seq, r);
                        }
                        // Nothing queued, nothing coming: a piece was lost (a worker
                        // panicked); stop rather than wait forever.
                        None if reader_done => {
                            error = Some(std::io::Error::other("log worker failed"));
                            break;
                        }
                        None => {}
                    }
                }
            }
        }
        // Unblock the reader (waiting for a free buffer or a slot in the channel) and the
        // workers, then let the scope join them.
        drop(close);
        drop(brx);
        drop(free_tx);
        (overlong, error)
    });
    if let Some(e) = error {
        return Err(e);
    }
    if let Some(head) = overlong {
        let head = std::io::Cursor::new(head);
        return run_stream_from(
            acc,
            path,
            head.chain(&mut reader),
            years,
            control,
            summary,
            base,
        );
    }
    Ok(())
}
