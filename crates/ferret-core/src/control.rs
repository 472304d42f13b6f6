//! Controls for long operations: cancellation, progress, I/O budget, time budget.
//!
//! Every long operation in ferret (scans, verification, walks, log reading, configuration
//! include expansion, decompression) takes a [`Control`]: a cancellation token checked between
//! units of work, an optional progress callback, an optional I/O budget that caps the bytes read
//! per second, so an agent can run a full check in the background without the host noticing, and
//! an optional time budget (a deadline) past which the operation stops as if cancelled, so that a
//! hostile host (a decompression bomb, an include loop, a file that never ends) can never hang an
//! unattended run.
//!
//! Every `Control` has a time budget unless its maker opts out: [`Control::new`] (and
//! `Default`) set a deadline [`DEFAULT_TIME_BUDGET`] (10 minutes) after the `Control` is
//! created, shared by its clones. An operation past it stops as if cancelled and reports what
//! was cut short, as a cancelled one does. A caller that wants another limit sets it
//! ([`Control::with_time_budget`], [`Control::with_deadline`]); one that legitimately runs for
//! hours (a baseline of a large file server, a benchmark) opts out explicitly with
//! [`Control::unbounded`] or [`Control::without_deadline`]:
//!
//! ```
//! use ferret_core::control::{Control, DEFAULT_TIME_BUDGET};
//! use std::time::Duration;
//! let control = Control::new();
//! assert!(control.time_left().is_some_and(|left| left <= DEFAULT_TIME_BUDGET));
//! assert!(!control.is_cancelled() && !control.out_of_time());
//! let five_minutes = Control::new().with_time_budget(Duration::from_secs(300));
//! assert!(five_minutes.time_left().is_some_and(|left| left <= Duration::from_secs(300)));
//! let spent = Control::new().with_time_budget(Duration::ZERO);
//! assert!(spent.is_cancelled() && spent.out_of_time());
//! assert_eq!(Control::unbounded().time_left(), None);
//! assert_eq!(Control::new().without_deadline().deadline, None);
//! ```

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
        self.consume_until(bytes, cancel, None)
    }

    /// [`IoBudget::consume`] that also gives up (false) at `deadline`.
    pub fn consume_until(
        &self,
        bytes: u64,
        cancel: &CancelToken,
        deadline: Option<Instant>,
    ) -> bool {
        let stop = || cancel.is_cancelled() || deadline.is_some_and(|d| Instant::now() >= d);
        if self.bytes_per_sec == 0 {
            return !stop();
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
            if stop() {
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

/// The time budget of a [`Control`] made by [`Control::new`] or `Default`: 10 minutes from the
/// `Control`'s creation. Long enough for a triage or a package verification of an ordinary host
/// on a loaded machine, short enough that a hostile host (a decompression bomb, an include loop,
/// a file that never ends) cannot hang an unattended run. Opt out with [`Control::unbounded`].
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(600);

/// The controls a long operation takes. Cloning shares the token, the callback, the budgets and
/// the deadline.
#[derive(Clone)]
pub struct Control {
    /// Cancellation.
    pub cancel: CancelToken,
    /// Progress callback, if any.
    pub progress: Option<Arc<ProgressFn>>,
    /// I/O budget, if any.
    pub io_budget: Option<Arc<IoBudget>>,
    /// Maximum worker threads (`None`: all cores, or the caller's current rayon pool).
    pub max_threads: Option<usize>,
    /// The time budget: past this instant the operation stops as if cancelled
    /// ([`Control::is_cancelled`] is true, [`Control::out_of_time`] says why). `None`: no limit
    /// ([`Control::unbounded`]); [`Control::new`] sets [`DEFAULT_TIME_BUDGET`] from now.
    pub deadline: Option<Instant>,
}

impl Default for Control {
    /// [`Control::new`]: the default time budget, nothing else.
    fn default() -> Self {
        Control::new()
    }
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control")
            .field("cancelled", &self.cancel.is_cancelled())
            .field("progress", &self.progress.is_some())
            .field("io_budget", &self.io_budget)
            .field("max_threads", &self.max_threads)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl Control {
    /// No cancellation, no progress, no I/O or thread limit, and the default time budget: the
    /// deadline is [`DEFAULT_TIME_BUDGET`] from now.
    pub fn new() -> Self {
        Control::unbounded().with_time_budget(DEFAULT_TIME_BUDGET)
    }

    /// [`Control::new`] without a time budget: the explicit opt-out, for a caller that bounds
    /// the work itself or legitimately runs for longer (benchmarks, a full baseline of a large
    /// server). Prefer a larger [`Control::with_time_budget`] where a bound is known.
    pub fn unbounded() -> Self {
        Control {
            cancel: CancelToken::default(),
            progress: None,
            io_budget: None,
            max_threads: None,
            deadline: None,
        }
    }

    /// Removes the time budget (see [`Control::unbounded`]).
    pub fn without_deadline(mut self) -> Self {
        self.deadline = None;
        self
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

    /// Stops the operation after `budget` from now (see [`Control::deadline`]). A budget too
    /// large to represent is no limit.
    pub fn with_time_budget(mut self, budget: Duration) -> Self {
        self.deadline = Instant::now().checked_add(budget);
        self
    }

    /// Stops the operation at `deadline` (see [`Control::deadline`]).
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Whether the operation should stop: cancelled, or past its deadline.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled() || self.out_of_time()
    }

    /// Whether the time budget is spent (the deadline has passed).
    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// The time left before the deadline (`None`: no time budget).
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Charges `bytes` to the I/O budget (sleeping as needed). False when cancelled or out of
    /// time.
    pub fn charge(&self, bytes: u64) -> bool {
        match &self.io_budget {
            Some(b) => b.consume_until(bytes, &self.cancel, self.deadline),
            None => !self.is_cancelled(),
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
    fn deadline_stops_like_a_cancellation() {
        let c = Control::new().with_time_budget(Duration::from_millis(50));
        assert!(!c.is_cancelled() && !c.out_of_time());
        assert!(c
            .time_left()
            .is_some_and(|l| l <= Duration::from_millis(50)));
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.is_cancelled() && c.out_of_time());
        assert!(!c.cancel.is_cancelled(), "the token itself is untouched");
        assert_eq!(c.time_left(), Some(Duration::ZERO));
        // A clone shares the deadline.
        assert!(c.clone().is_cancelled());
        // The I/O budget's wait ends at the deadline too.
        let slow = Control::new()
            .with_io_limit(1)
            .with_time_budget(Duration::from_millis(100));
        let t = Instant::now();
        assert!(!slow.charge(1_000_000));
        assert!(t.elapsed() < Duration::from_secs(2));
        assert!(Control::new()
            .with_time_budget(Duration::MAX)
            .deadline
            .is_none());
    }

    #[test]
    fn default_time_budget_and_opt_out() {
        let before = Instant::now();
        let c = Control::new();
        let after = Instant::now();
        let d = c.deadline.unwrap();
        // Counted from the Control's creation.
        assert!(d >= before + DEFAULT_TIME_BUDGET && d <= after + DEFAULT_TIME_BUDGET);
        let d2 = Control::default().deadline.unwrap();
        assert!(d2 >= d && d2 <= Instant::now() + DEFAULT_TIME_BUDGET);
        // Clones share the deadline; the builder methods keep it.
        assert_eq!(
            c.clone().with_max_threads(2).with_io_limit(0).deadline,
            Some(d)
        );
        assert_eq!(Control::unbounded().deadline, None);
        assert_eq!(Control::unbounded().time_left(), None);
        assert_eq!(c.clone().without_deadline().deadline, None);
        assert!(!Control::unbounded().out_of_time());
        // An unbounded Control is otherwise the default one.
        let u = Control::unbounded();
        assert!(u.progress.is_none() && u.io_budget.is_none() && u.max_threads.is_none());
        assert!(!u.is_cancelled());
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
