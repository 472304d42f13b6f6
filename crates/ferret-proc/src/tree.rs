//! The process tree in the order and depth `ps -efH --forest` shows it.

use crate::process::Snapshot;
use std::collections::{BTreeMap, BTreeSet};

/// One row of the forest: a pid and its depth (0 for roots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct TreeRow {
    /// Process id.
    pub pid: i32,
    /// Parent id.
    pub ppid: i32,
    /// Depth below its root.
    pub depth: usize,
}

/// Orders the snapshot as a forest the way procps `ps -e --forest` does: roots are processes
/// whose parent is not in the snapshot (`init`, `kthreadd`) **and the children of pid 1**
/// (procps does not indent everything under init); roots and siblings are ordered by start
/// time, then pid; each is followed depth-first by its children. Cycles (impossible in a
/// consistent snapshot) cannot loop: every pid is emitted once.
pub fn forest(snap: &Snapshot) -> Vec<TreeRow> {
    let pids: BTreeSet<i32> = snap.processes.iter().map(|p| p.pid).collect();
    // (start ticks, pid, ppid): sorting these orders by start time, then pid.
    let mut children: BTreeMap<i32, Vec<(u64, i32, i32)>> = BTreeMap::new();
    let mut roots = Vec::new();
    for p in &snap.processes {
        let key = (p.start_ticks, p.pid, p.ppid);
        if p.ppid == p.pid || p.ppid == 1 || !pids.contains(&p.ppid) {
            roots.push(key);
        } else {
            children.entry(p.ppid).or_default().push(key);
        }
    }
    for v in children.values_mut() {
        v.sort_unstable();
    }
    let mut out = Vec::with_capacity(snap.processes.len());
    let mut seen = BTreeSet::new();
    let mut emit = |start: (u64, i32, i32), out: &mut Vec<TreeRow>| {
        let mut stack = vec![(start, 0usize)];
        while let Some(((_, pid, ppid), depth)) = stack.pop() {
            if !seen.insert(pid) {
                continue;
            }
            out.push(TreeRow { pid, ppid, depth });
            if let Some(ch) = children.get(&pid) {
                for c in ch.iter().rev() {
                    stack.push((*c, depth + 1));
                }
            }
        }
    };
    roots.sort_unstable();
    for r in roots {
        emit(r, &mut out);
    }
    // Anything left sits on a parent cycle: show it as a root rather than lose it.
    let rest: Vec<(u64, i32, i32)> = snap
        .processes
        .iter()
        .map(|p| (p.start_ticks, p.pid, p.ppid))
        .collect();
    for r in rest {
        emit(r, &mut out);
    }
    out
}
