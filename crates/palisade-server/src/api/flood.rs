//! Requests without valid credentials are recorded one by one up to a
//! rate; beyond it they are counted and recorded as one event per window.
//! Anyone who reaches the port can send them, and recording each would let
//! them fill the audit log and crowd out the admission decisions. No
//! refusal goes unaccounted: a summary event carries the count.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Refusals recorded one by one per window.
pub(crate) const RECORDED_PER_WINDOW: u32 = 20;
/// The window.
pub(crate) const WINDOW: Duration = Duration::from_secs(1);

/// What to do with one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Record it as its own event.
    Record,
    /// Count it into the window's summary.
    Count,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    recorded: u32,
    counted: u64,
}

/// The budget of refusals recorded one by one.
#[derive(Debug)]
pub(crate) struct Refusals(Mutex<Window>);

impl Refusals {
    pub(crate) fn new(now: Instant) -> Refusals {
        Refusals(Mutex::new(Window {
            started: now,
            recorded: 0,
            counted: 0,
        }))
    }

    /// Decides for a refusal at `now`; also returns the count of a window
    /// that ended with refusals counted but not yet summarised.
    pub(crate) fn admit(&self, now: Instant) -> (Refusal, Option<u64>) {
        // A poisoned lock still holds a usable count.
        let mut window = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let ended = Self::roll(&mut window, now);
        let refusal = if window.recorded < RECORDED_PER_WINDOW {
            window.recorded += 1;
            Refusal::Record
        } else {
            window.counted += 1;
            Refusal::Count
        };
        (refusal, ended)
    }

    /// The count of a window that has ended, for a periodic flush (so a
    /// flood that stops is still summarised).
    pub(crate) fn ended(&self, now: Instant) -> Option<u64> {
        let mut window = self.0.lock().unwrap_or_else(|e| e.into_inner());
        Self::roll(&mut window, now)
    }

    /// The count not yet summarised, whatever the window (at shutdown).
    pub(crate) fn drain(&self) -> Option<u64> {
        let mut window = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let counted = std::mem::take(&mut window.counted);
        (counted > 0).then_some(counted)
    }

    /// Starts a new window when the current one is over; its count, if any.
    fn roll(window: &mut Window, now: Instant) -> Option<u64> {
        if now.saturating_duration_since(window.started) < WINDOW {
            return None;
        }
        let counted = std::mem::take(&mut window.counted);
        window.started = now;
        window.recorded = 0;
        (counted > 0).then_some(counted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_up_to_the_rate_then_counts_and_summarises_once() {
        let t0 = Instant::now();
        let refusals = Refusals::new(t0);
        let mut recorded = 0;
        let mut counted = 0;
        for _ in 0..100 {
            match refusals.admit(t0) {
                (Refusal::Record, None) => recorded += 1,
                (Refusal::Count, None) => counted += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((recorded, counted), (RECORDED_PER_WINDOW, 80));
        // Nothing to summarise before the window ends.
        assert_eq!(refusals.ended(t0 + WINDOW / 2), None);
        // The next window starts afresh and hands over the count, once.
        let t1 = t0 + WINDOW;
        assert_eq!(refusals.admit(t1), (Refusal::Record, Some(80)));
        assert_eq!(refusals.ended(t1 + WINDOW), None);
    }

    #[test]
    fn a_flood_that_stops_is_summarised_by_the_flush() {
        let t0 = Instant::now();
        let refusals = Refusals::new(t0);
        for _ in 0..RECORDED_PER_WINDOW + 5 {
            refusals.admit(t0);
        }
        assert_eq!(refusals.ended(t0 + WINDOW * 3), Some(5));
        assert_eq!(refusals.ended(t0 + WINDOW * 5), None);
    }

    #[test]
    fn shutdown_drains_an_open_window() {
        let t0 = Instant::now();
        let refusals = Refusals::new(t0);
        for _ in 0..RECORDED_PER_WINDOW + 3 {
            refusals.admit(t0);
        }
        assert_eq!(refusals.drain(), Some(3));
        assert_eq!(refusals.drain(), None);
        assert_eq!(refusals.ended(t0 + WINDOW), None);
    }
}
