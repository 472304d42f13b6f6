//! CPU usage over an interval: two reads of `utime + stime` per process.

use crate::process::{clock_ticks, list_pids, Handle};
use crate::{parse, ProcFs, ProcOptions};
use ferret_core::{Control, ErrorRecord};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Options of [`cpu_usage_root`](crate::cpu_usage_root).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CpuOptions {
    /// Time between the two reads. Default one second.
    pub interval: Duration,
    /// How processes are read.
    pub proc: ProcOptions,
}

impl Default for CpuOptions {
    fn default() -> Self {
        CpuOptions {
            interval: Duration::from_secs(1),
            proc: ProcOptions::default(),
        }
    }
}

/// CPU use of one process over the sampled interval.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CpuSample {
    /// Process id.
    pub pid: i32,
    /// Start time in ticks (identifies the process with the pid).
    pub start_ticks: u64,
    /// `comm`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub comm: Vec<u8>,
    /// Percent of one CPU, as `top` shows it (a 4-thread spinner shows 400).
    pub percent: f64,
}

/// The result of [`cpu_usage_root`](crate::cpu_usage_root).
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CpuUsage {
    /// One sample per process alive at both reads, highest first.
    pub samples: Vec<CpuSample>,
    /// The measured interval in seconds.
    pub interval_secs: f64,
    /// What could not be read.
    pub errors: Vec<ErrorRecord>,
}

/// pid -> (start ticks, utime + stime, comm)
type Times = BTreeMap<i32, (u64, u64, Vec<u8>)>;

fn times(fs: &ProcFs) -> (Times, Vec<ErrorRecord>) {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    match list_pids(&fs.proc) {
        Ok(pids) => {
            for pid in pids {
                let Ok(h) = Handle::open(fs, pid) else {
                    continue;
                };
                if let Ok(b) = h.read("stat", 4096) {
                    if let Ok(s) = parse::stat(&b) {
                        out.insert(pid, (s.starttime, s.utime + s.stime, s.comm));
                    }
                }
            }
        }
        Err(e) => errors.push(e),
    }
    (out, errors)
}

/// Samples every process twice, `interval` apart (the caller's thread waits in between, looking
/// at the cancellation token every 10 ms), and returns the CPU percentage of each process alive
/// at both reads (same pid and start time). Cancelled: no samples and a `cancelled` record.
pub(crate) fn cpu_usage(fs: &ProcFs, interval: Duration, control: &Control) -> CpuUsage {
    let t0 = Instant::now();
    let (a, mut errors) = times(fs);
    if !crate::sleep(interval, control) {
        errors.push(crate::cancelled());
        return CpuUsage {
            samples: Vec::new(),
            interval_secs: t0.elapsed().as_secs_f64(),
            errors,
        };
    }
    let (b, e2) = times(fs);
    let secs = t0.elapsed().as_secs_f64().max(1e-3);
    errors.extend(e2);
    let clk = clock_ticks().max(1) as f64;
    let mut samples: Vec<CpuSample> = b
        .into_iter()
        .filter_map(|(pid, (start, t1, comm))| {
            let (s0, t0, _) = a.get(&pid)?;
            (*s0 == start).then(|| CpuSample {
                pid,
                start_ticks: start,
                comm,
                percent: t1.saturating_sub(*t0) as f64 / clk / secs * 100.0,
            })
        })
        .collect();
    samples.sort_by(|x, y| y.percent.total_cmp(&x.percent).then(x.pid.cmp(&y.pid)));
    CpuUsage {
        samples,
        interval_secs: secs,
        errors,
    }
}
