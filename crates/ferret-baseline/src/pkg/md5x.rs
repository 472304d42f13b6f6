//! MD5 over many files at once.
//!
//! One MD5 stream is serial (each 64-byte block needs the previous state), but independent
//! files can share a SIMD register, one file per 32-bit lane: 8 lanes with AVX2, 16 with
//! AVX-512. With the `simd-md5` feature the multi-buffer kernels of `md5-many` do that
//! (runtime CPU detection; no `unsafe` here). Without the feature, or when the CPU has no
//! usable vector unit, or when the start-up self-test below disagrees with `md-5`, every
//! stream goes through the portable `md-5` crate one at a time.
//!
//! Soundness does not rest on the vector kernels: a digest that differs from the recorded one
//! is recomputed with `md-5` before it is reported (see `verify::run_checks`), so a kernel bug
//! can at worst hide nothing it did not also hide from `md-5`.

use md5::Digest as _;

/// The MD5 engine chosen for this run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Engine {
    #[cfg(feature = "simd-md5")]
    many: Option<md5_many::Md5Many>,
}

/// One incremental MD5 stream of an [`Engine`].
#[derive(Clone)]
pub(crate) enum State {
    #[cfg(feature = "simd-md5")]
    Many(md5_many::Md5State),
    Portable(md5::Md5),
}

/// MD5 with the portable `md-5` crate.
pub(crate) fn portable(data: &[u8]) -> [u8; 16] {
    md5::Md5::digest(data).into()
}

// Without `simd-md5` the engine has no state and every method is the portable path.
#[cfg_attr(not(feature = "simd-md5"), allow(clippy::unused_self))]
impl Engine {
    /// The portable engine (`md-5`, one stream at a time).
    pub(crate) fn portable() -> Self {
        Engine {
            #[cfg(feature = "simd-md5")]
            many: None,
        }
    }

    /// The fastest engine this CPU and build support, after a self-test against `md-5`.
    pub(crate) fn detect() -> Self {
        #[cfg(feature = "simd-md5")]
        {
            let m = md5_many::Md5Many::new();
            if m.lanes() > 1 {
                let e = Engine { many: Some(m) };
                if e.self_test() {
                    return e;
                }
            }
        }
        Self::portable()
    }

    /// SIMD lanes (files hashed together); 1 for the portable engine.
    pub(crate) fn lanes(self) -> usize {
        #[cfg(feature = "simd-md5")]
        if let Some(m) = self.many {
            return m.lanes();
        }
        1
    }

    /// How many files to stream side by side: two register groups per step when the engine
    /// is multi-buffer (`md5-many` interleaves two chains, which keeps the vector unit busier:
    /// measured 2.4x the throughput of one group of 16 on this AVX-512 EPYC).
    pub(crate) fn stream_lanes(self) -> usize {
        if self.is_multi() {
            self.lanes() * 2
        } else {
            1
        }
    }

    /// Whether several files are hashed at once.
    pub(crate) fn is_multi(self) -> bool {
        self.lanes() > 1
    }

    /// A human-readable name: `md5-many (16 lanes)` or `md-5 (portable)`.
    pub(crate) fn name(self) -> String {
        if self.is_multi() {
            format!("md5-many ({} lanes)", self.lanes())
        } else {
            "md-5 (portable)".to_owned()
        }
    }

    /// Digests of independent messages; `out` must be as long as `inputs`.
    pub(crate) fn hash_many(self, inputs: &[&[u8]], out: &mut [[u8; 16]]) {
        #[cfg(feature = "simd-md5")]
        if let Some(m) = self.many {
            if out.len() == inputs.len() {
                m.hash_many(inputs, out);
                return;
            }
        }
        for (i, o) in inputs.iter().zip(out.iter_mut()) {
            *o = portable(i);
        }
    }

    /// A fresh stream.
    pub(crate) fn state(self) -> State {
        #[cfg(feature = "simd-md5")]
        if self.many.is_some() {
            return State::Many(md5_many::Md5State::new());
        }
        State::Portable(md5::Md5::new())
    }

    /// Appends `inputs[i]` to `states[i]` (lanes in lockstep when the lengths are equal).
    pub(crate) fn update_many(self, states: &mut [State], inputs: &[&[u8]], scratch: &mut Scratch) {
        #[cfg(feature = "simd-md5")]
        if let Some(m) = self.many {
            scratch.states.clear();
            scratch.states.extend(states.iter().map(|s| match s {
                State::Many(s) => Some(*s),
                State::Portable(_) => None,
            }));
            if scratch.states.iter().all(Option::is_some) && states.len() == inputs.len() {
                scratch.flat.clear();
                scratch.flat.extend(scratch.states.iter().flatten());
                m.update_many(&mut scratch.flat, inputs);
                for (s, n) in states.iter_mut().zip(&scratch.flat) {
                    *s = State::Many(*n);
                }
                return;
            }
        }
        let _ = scratch;
        for (s, i) in states.iter_mut().zip(inputs) {
            s.update(i);
        }
    }

    /// Known-answer test of the multi-buffer paths against `md-5`: block-boundary lengths in
    /// one mixed batch, and several streams fed in unequal chunks.
    #[cfg_attr(not(feature = "simd-md5"), allow(dead_code))]
    fn self_test(self) -> bool {
        let data: Vec<u8> = (0..9000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let lens = [
            0usize, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 8999, 9000,
        ];
        let inputs: Vec<&[u8]> = lens
            .iter()
            .enumerate()
            .filter_map(|(k, &n)| data.get(k..k + n).or_else(|| data.get(..n)))
            .collect();
        let mut out = vec![[0u8; 16]; inputs.len()];
        self.hash_many(&inputs, &mut out);
        if inputs.iter().zip(&out).any(|(i, o)| portable(i) != *o) {
            return false;
        }
        let mut states: Vec<State> = (0..self.lanes() + 3).map(|_| self.state()).collect();
        let mut scratch = Scratch::default();
        let mut fed: Vec<Vec<u8>> = vec![Vec::new(); states.len()];
        for round in 0..4usize {
            let chunks: Vec<&[u8]> = (0..states.len())
                .map(|k| {
                    let n = if k % 3 == 0 {
                        4096
                    } else {
                        64 * (k + round) + k
                    };
                    data.get(k..k + n).unwrap_or_default()
                })
                .collect();
            self.update_many(&mut states, &chunks, &mut scratch);
            for (f, c) in fed.iter_mut().zip(&chunks) {
                f.extend_from_slice(c);
            }
        }
        states
            .iter()
            .zip(&fed)
            .all(|(s, f)| s.finalize() == portable(f))
    }
}

/// Reused buffers of [`Engine::update_many`].
#[derive(Default)]
pub(crate) struct Scratch {
    #[cfg(feature = "simd-md5")]
    states: Vec<Option<md5_many::Md5State>>,
    #[cfg(feature = "simd-md5")]
    flat: Vec<md5_many::Md5State>,
}

impl State {
    /// Appends to this one stream.
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            #[cfg(feature = "simd-md5")]
            State::Many(s) => s.update(data),
            State::Portable(h) => h.update(data),
        }
    }

    /// The digest so far (the stream is not consumed).
    pub(crate) fn finalize(&self) -> [u8; 16] {
        match self {
            #[cfg(feature = "simd-md5")]
            State::Many(s) => s.finalize(),
            State::Portable(h) => h.clone().finalize().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn detected_engine_passes_its_self_test() {
        let e = Engine::detect();
        assert!(e.self_test());
        assert!(Engine::portable().self_test());
        assert!(!e.name().is_empty());
    }

    fn data(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8)
            .collect()
    }

    #[test]
    fn multi_megabyte_streams_match_md5() {
        let e = Engine::detect();
        let n = e.lanes().max(2) * 2 + 1;
        let bufs: Vec<Vec<u8>> = (0..n)
            .map(|k| data((3 << 20) + k * 4099, k as u8))
            .collect();
        let inputs: Vec<&[u8]> = bufs.iter().map(Vec::as_slice).collect();
        let mut out = vec![[0u8; 16]; n];
        e.hash_many(&inputs, &mut out);
        let mut states: Vec<State> = (0..n).map(|_| e.state()).collect();
        let mut scratch = Scratch::default();
        let mut off = 0;
        while off < bufs[n - 1].len() {
            let chunks: Vec<&[u8]> = bufs
                .iter()
                .map(|b| {
                    b.get(off..(off + (128 << 10)).min(b.len()))
                        .unwrap_or_default()
                })
                .collect();
            e.update_many(&mut states, &chunks, &mut scratch);
            off += 128 << 10;
        }
        for ((b, o), s) in bufs.iter().zip(&out).zip(&states) {
            assert_eq!(*o, portable(b));
            assert_eq!(s.finalize(), portable(b));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn hash_many_matches_md5(
            lens in proptest::collection::vec(
                prop_oneof![
                    Just(0usize), Just(55), Just(56), Just(63), Just(64), Just(65),
                    0usize..300, 0usize..70_000
                ],
                0..40,
            ),
            seed in any::<u8>(),
        ) {
            let e = Engine::detect();
            let bufs: Vec<Vec<u8>> =
                lens.iter().enumerate().map(|(k, &n)| data(n, seed ^ k as u8)).collect();
            let inputs: Vec<&[u8]> = bufs.iter().map(Vec::as_slice).collect();
            let mut out = vec![[0u8; 16]; inputs.len()];
            e.hash_many(&inputs, &mut out);
            for (b, o) in bufs.iter().zip(&out) {
                prop_assert_eq!(*o, portable(b));
            }
        }

        #[test]
        fn streams_in_uneven_chunks_match_md5(
            plan in proptest::collection::vec(
                proptest::collection::vec(0usize..5000, 1..6), 1..24),
            seed in any::<u8>(),
        ) {
            let e = Engine::detect();
            let mut states: Vec<State> = plan.iter().map(|_| e.state()).collect();
            let mut fed: Vec<Vec<u8>> = vec![Vec::new(); plan.len()];
            let mut scratch = Scratch::default();
            let rounds = plan.iter().map(Vec::len).max().unwrap_or(0);
            for r in 0..rounds {
                let chunks: Vec<Vec<u8>> = plan
                    .iter()
                    .enumerate()
                    .map(|(k, p)| data(p.get(r).copied().unwrap_or(0), seed ^ (k + r) as u8))
                    .collect();
                let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
                e.update_many(&mut states, &refs, &mut scratch);
                for (f, c) in fed.iter_mut().zip(&chunks) {
                    f.extend_from_slice(c);
                }
            }
            for (s, f) in states.iter().zip(&fed) {
                prop_assert_eq!(s.finalize(), portable(f));
            }
        }
    }
}
