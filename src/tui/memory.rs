//! Giving the memory a refresh freed back to the system. A refresh at 10k groups decodes ~200k
//! committed offsets and builds the new snapshot while the old one is alive; once the old one is
//! dropped, glibc keeps the freed pages in its arenas (one per thread that allocated), so the
//! console's RSS stayed at 2-3x its live heap (issue #15: 180 MiB for a ~60 MiB peak heap).
//! `malloc_trim` hands the free pages of every arena back.

/// Blocks at least this large get pages of their own (mmap), handed back whole when freed:
/// glibc's own starting value, kept from moving.
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Set once when the console starts, before any thread but the main one exists:
/// - a fixed mmap threshold: glibc raises it each time a mapped block is freed (up to 32 MiB), so
///   after the first refresh the next one's large vectors and response frames (a few MiB each)
///   land inside the arenas, where the small allocations around them keep the pages from being
///   trimmed: the RSS between refreshes settled 10-30 MiB above the live heap (issue #15). A fixed
///   threshold keeps them mapped and returned on every free.
/// - one arena: a refresh's allocations are made on one worker thread and freed on another, and
///   each thread's arena kept its own free pages; with one arena the peak of a refresh at 10k
///   groups was 8 MiB lower (49 → 41 MiB anonymous), and the console allocates too little for
///   the threads to contend on its lock.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; it is called before the console
    // starts its worker, and glibc serialises it with allocations anyway.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Returns the allocator's free pages to the system, off the UI thread (it takes each arena's
/// lock while it walks it). A no-op where the allocator is not glibc's.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::task::spawn_blocking(|| {
        // SAFETY: malloc_trim only releases pages glibc's allocator holds free; it touches no
        // live allocation and is thread-safe (it locks each arena in turn).
        unsafe { libc::malloc_trim(0) };
    });
}
