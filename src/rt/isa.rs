//! Instruction-set selection: the best the CPU has, unless `HALITE_ISA` forces one.

use crate::Error;
use std::cell::Cell;
use std::sync::OnceLock;

/// The code paths every kernel is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// x86-64 with AVX-512 (F, BW, VL, DQ) and AVX2 + FMA.
    Avx512,
    /// x86-64 with AVX2 and FMA.
    Avx2,
    /// x86-64 baseline.
    Sse2,
    /// aarch64 with NEON.
    Neon,
    /// The portable path, no target features, vectorized loops run serially.
    Scalar,
}

impl Isa {
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Sse2 => "sse2",
            Isa::Neon => "neon",
            Isa::Scalar => "scalar",
        }
    }

    /// Parses a `HALITE_ISA` value.
    pub fn from_name(s: &str) -> Option<Isa> {
        [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar]
            .into_iter()
            .find(|i| i.name() == s.trim().to_ascii_lowercase())
    }

    /// Whether this CPU (and this build's architecture) runs the path.
    pub fn supported(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => true,
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The best path this CPU runs.
    pub fn best() -> Isa {
        [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon]
            .into_iter()
            .find(|i| i.supported())
            .unwrap_or(Isa::Scalar)
    }
}

static SELECTED: OnceLock<Result<Isa, Error>> = OnceLock::new();

thread_local! {
    static FORCED: Cell<Option<Isa>> = const { Cell::new(None) };
}

/// The path kernels take: `HALITE_ISA` if set (read once), else the best one.
pub fn isa() -> Result<Isa, Error> {
    if let Some(i) = FORCED.with(|f| f.get()) {
        return check(i, i.name());
    }
    SELECTED
        .get_or_init(|| match std::env::var("HALITE_ISA") {
            Ok(v) if !v.trim().is_empty() => match Isa::from_name(&v) {
                Some(i) => check(i, &v),
                None => Err(Error::UnsupportedIsa {
                    requested: v,
                    reason: "unknown instruction set; use one of avx512, avx2, sse2, neon, scalar"
                        .into(),
                }),
            },
            _ => Ok(Isa::best()),
        })
        .clone()
}

fn check(i: Isa, requested: &str) -> Result<Isa, Error> {
    if i.supported() {
        Ok(i)
    } else {
        Err(Error::UnsupportedIsa {
            requested: requested.to_string(),
            reason: format!("this CPU or build cannot run the {} path", i.name()),
        })
    }
}

/// Runs `f` with kernels called on this thread forced onto `isa` (for tests: every path can
/// be checked in one process). `HALITE_ISA` does the same for a whole process.
pub fn with_isa<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
    let prev = FORCED.with(|c| c.replace(Some(isa)));
    let r = f();
    FORCED.with(|c| c.set(prev));
    r
}
