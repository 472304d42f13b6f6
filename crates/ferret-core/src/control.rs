//! Controls for long operations: cancellation, progress, I/O budget.
//!
//! Every long operation in ferret (scans, verification, walks, log reading) takes a
//! [`Control`]: a cancellation token checked between units of work, an optional progress
//! callback, and an optional I/O budget that caps the bytes read per second, so an agent can run
//! a full check in the background without the host noticing.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A cheap, clonable cancellation flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every operation holding a clone of this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How far an operation has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Units (files, lines, packages) done.
    pub items_done: u64,
    /// Units in all, when known.
    pub items_total: Option<u64>,
    /// Bytes done.
    pub bytes_done: u64,
    /// Bytes in all, when known.
    pub bytes_total: Option<u64>,
}

/// A progress callback. Called from worker threads; keep it cheap.
pub type ProgressFn = dyn Fn(Progress) + Send + Sync;

/// Caps the rate of reads. Shared by all threads of one operation.
#[derive(Debug)]
pub struct IoBudget {
    bytes_per_sec: u64,
    start: Instant,
    used: Mutex<u64>,
}

impl IoBudget {
    /// A budget of `bytes_per_sec` (0 means unlimited).
    pub fn new(bytes_per_sec: u64) -> Self {
        IoBudget {
            bytes_per_sec,
            start: Instant::now(),
            used: Mutex::new(0),
        }
    }

    /// The configured rate.
    pub fn bytes_per_sec(&self) -> u64 {
        self.bytes_per_sec
    }

    /// Records `bytes` about to be read and sleeps until doing so keeps within the budget.
    /// Returns early (false) when `cancel` is set during the wait.
    pub fn consume(&self, bytes: u64, cancel: &CancelToken) -> bool {
        if self.bytes_per_sec == 0 {
            return !cancel.is_cancelled();
        }
        let due = {
            let mut used = match self.used.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            *used = used.saturating_add(bytes);
            Duration::from_secs_f64(*used as f64 / self.bytes_per_sec as f64)
        };
        loop {
            if cancel.is_cancelled() {
                return false;
            }
            let elapsed = self.start.elapsed();
            if elapsed >= due {
                return true;
            }
            std::thread::sleep(due.saturating_sub(elapsed).min(Duration::from_millis(20)));
        }
    }
}

/// The controls a long operation takes. Cloning shares the token, the callback and the budget.
#[derive(Clone, Default)]
pub struct Control {
    /// Cancellation.
    pub cancel: CancelToken,
    /// Progress callback, if any.
    pub progress: Option<Arc<ProgressFn>>,
    /// I/O budget, if any.
    pub io_budget: Option<Arc<IoBudget>>,
    /// Maximum worker threads (`None`: all cores, or the caller's current rayon pool).
    pub max_threads: Option<usize>,
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control")
            .field("cancelled", &self.cancel.is_cancelled())
            .field("progress", &self.progress.is_some())
            .field("io_budget", &self.io_budget)
            .field("max_threads", &self.max_threads)
            .finish()
    }
}

impl Control {
    /// No cancellation, no progress, no budget.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the cancellation token.
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Sets the progress callback.
    pub fn with_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Caps reads at `bytes_per_sec`.
    pub fn with_io_limit(mut self, bytes_per_sec: u64) -> Self {
        self.io_budget = Some(Arc::new(IoBudget::new(bytes_per_sec)));
        self
    }

    /// Limits worker threads.
    pub fn with_max_threads(mut self, n: usize) -> Self {
        self.max_threads = Some(n.max(1));
        self
    }

    /// Whether the operation should stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Charges `bytes` to the I/O budget (sleeping as needed). False when cancelled.
    pub fn charge(&self, bytes: u64) -> bool {
        match &self.io_budget {
            Some(b) => b.consume(bytes, &self.cancel),
            None => !self.cancel.is_cancelled(),
        }
    }

    /// Reports progress, if a callback is set.
    pub fn report(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(p);
        }
    }

    /// Runs `f` on a rayon pool honouring `max_threads` (the current pool when unset).
    #[cfg(feature = "parallel")]
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match self.max_threads {
            Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
                Ok(pool) => pool.install(f),
                Err(_) => f(),
            },
            None => f(),
        }
    }
}

/// Lowers the calling process's CPU priority to nice 19, for agents that run checks in the
/// background. Without an explicit I/O priority, Linux derives the best-effort I/O priority from
/// the nice value (`(nice + 20) / 5`, so nice 19 is the lowest best-effort level, 7), which
/// lowers disk priority too under the BFQ and CFQ schedulers. Combine with
/// [`Control::with_io_limit`] for a hard byte-rate cap.
pub fn lower_priority() -> std::io::Result<()> {
    rustix::process::setpriority_process(None, 19).map_err(std::io::Error::from)
}

/// A shared counter for progress reporting from many threads.
#[derive(Debug, Default)]
pub struct Counter {
    items: AtomicU64,
    bytes: AtomicU64,
}

impl Counter {
    /// Adds one item of `bytes` bytes and returns the new totals.
    pub fn add(&self, bytes: u64) -> (u64, u64) {
        let i = self.items.fetch_add(1, Ordering::Relaxed) + 1;
        let b = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        (i, b)
    }

    /// Current totals.
    pub fn get(&self) -> (u64, u64) {
        (
            self.items.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_limits_rate() {
        let b = IoBudget::new(1_000_000);
        let c = CancelToken::new();
        let t = Instant::now();
        for _ in 0..10 {
            assert!(b.consume(20_000, &c));
        }
        // 200 kB at 1 MB/s takes at least 0.2 s.
        assert!(t.elapsed() >= Duration::from_millis(195));
    }

    #[test]
    fn cancel_interrupts_wait() {
        let b = IoBudget::new(1);
        let c = CancelToken::new();
        let c2 = c.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            c2.cancel();
        });
        let t = Instant::now();
        assert!(!b.consume(1_000_000, &c));
        assert!(t.elapsed() < Duration::from_secs(2));
        h.join().unwrap();
    }
}
