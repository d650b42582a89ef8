//! Phase timings for whoever measures Herald: with `HERALD_TIMINGS` set
//! (to anything but empty or `0`), each phase's end is printed to stderr
//! with the time since the first mark. Off, a mark is one load of a cached
//! flag.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START
        .get_or_init(|| {
            let on = std::env::var_os("HERALD_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0");
            on.then(Instant::now)
        })
        .as_ref()
}

/// `what` just finished; said with the process's CPU time so far (user
/// and system, all threads): a phase whose CPU time is not about twice
/// its wall time on two cores leaves one idle.
pub fn mark(what: &str) {
    if let Some(t) = start() {
        eprintln!(
            "herald: timing: {:>8.1} ms  cpu {:>8.1} ms  {what}",
            t.elapsed().as_secs_f64() * 1e3,
            cpu_ms()
        );
    }
}

fn cpu_ms() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return f64::NAN;
    }
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(u.ru_utime) + ms(u.ru_stime)
}
