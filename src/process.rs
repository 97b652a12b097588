//! Process-wide settings for CPU inference, applied once at startup while the process is still
//! single-threaded: the thread count candle's pools use, and the allocator's habits.

/// Keeps large tensor buffers in the heap instead of returning them to the kernel after every
/// operation. With glibc's defaults each big f32 tensor is a fresh `mmap`, so every forward pass
/// pays page faults and page clearing (12 % of an embedding profile here); keeping them measured
/// 15–30 % faster MiniLM embedding on this 2-core machine. Memory stays bounded: freed buffers
/// are reused for the next operation of the same size.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator thresholds; called before other threads exist.
    unsafe {
        // 32 MiB is glibc's largest allowed mmap threshold; above it blocks still get mmap.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

/// Configures candle's CPU pools, which read their environment once, on first use:
/// `llm.local.threads` (0 = candle's default: one per physical core) and, unless the user set
/// `CANDLE_BARRIER_POOL_SPIN_LIMIT`, no spinning at its barriers. Spinning workers steal the
/// cores they wait for as soon as anything else runs: decode measured 52 → 47 tok/s on a quiet
/// machine without spinning, but 4–7 → 20–22 tok/s beside two busy processes (BENCHMARKS.md),
/// and a CPU-limited pod pays spinning out of its quota.
///
/// # Safety
/// Must be called while the process is single-threaded (it sets environment variables).
pub unsafe fn configure_cpu(threads: usize) {
    // SAFETY (both blocks): the caller guarantees no other thread exists yet.
    if std::env::var_os("CANDLE_BARRIER_POOL_SPIN_LIMIT").is_none() {
        unsafe { std::env::set_var("CANDLE_BARRIER_POOL_SPIN_LIMIT", "0") };
    }
    if threads > 0 {
        let n = threads.to_string();
        unsafe {
            std::env::set_var("CANDLE_NUM_THREADS", &n);
            std::env::set_var("RAYON_NUM_THREADS", &n);
        }
    }
}
