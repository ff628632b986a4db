//! When to try a token request again and how long to wait first (README "Network behaviour"). Pure, so the policy
//! is tested without a server.

use std::time::Duration;

/// Attempts per fetch, the first included.
pub const MAX_ATTEMPTS: u32 = 3;

/// Statuses worth another attempt: rate limiting and server errors. Never other 4xx.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// Exponential backoff before attempt `next` (2, 3, …): 250 ms, 500 ms, … scaled by a jitter
/// factor in [0.5, 1.5) drawn from `unit` (a number in [0, 1)).
pub fn backoff(next: u32, unit: f64) -> Duration {
    let base = 250u64 << next.saturating_sub(2).min(6);
    Duration::from_millis((base as f64 * (0.5 + unit.clamp(0.0, 1.0))) as u64)
}

/// A `Retry-After` value: delay-seconds or an HTTP-date (relative to `now_unix`).
pub fn retry_after(value: &str, now_unix: u64) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse::<u64>().ok().map(Duration::from_secs);
    }
    crate::time::parse_http_date(v).map(|at| Duration::from_secs(at.saturating_sub(now_unix)))
}

/// A number in [0, 1) that differs between processes, for jitter (no RNG crate needed).
pub fn jitter_unit() -> f64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_429_and_5xx_are_retried() {
        for s in [429, 500, 502, 503, 504, 599] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 301, 307, 400, 401, 403, 404, 408, 418, 422] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_grows_and_stays_within_jitter_bounds() {
        assert_eq!(backoff(2, 0.5), Duration::from_millis(250));
        assert_eq!(backoff(3, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(2, 0.0), Duration::from_millis(125));
        assert!(backoff(2, 0.999) < Duration::from_millis(375));
        assert_eq!(backoff(30, 0.5), Duration::from_millis(16_000));
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(retry_after("2", 0), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(" 0 ", 0), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:40 GMT", 784_111_777),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:30 GMT", 784_111_777),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("-1", 0), None);
        assert_eq!(retry_after("soon", 0), None);
    }

    #[test]
    fn jitter_is_a_unit_interval_number() {
        let u = jitter_unit();
        assert!((0.0..1.0).contains(&u), "{u}");
    }
}
