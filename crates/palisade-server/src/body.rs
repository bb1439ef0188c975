//! Reading an AdmissionReview body within bounds: its size limit, its
//! deadline, and the server's budget of bytes in flight.
//!
//! A refused body is drained (read and dropped, within the deadline and
//! [`DRAIN_FACTOR`] times the limit) before the 413 goes out: over HTTP/2 a
//! response sent while the client is still sending ends in a stream reset,
//! and the client sees the reset rather than the 413.
//!
//! Every byte of a review costs many more once parsed into a tree and
//! evaluated, so the bytes of all bodies being read and judged at once are
//! bounded by a semaphore: a request waits for its share (backpressure)
//! within its deadline, and one that cannot get it in time is answered by
//! the failure mode.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How much of a refused body is read and dropped before answering 413.
pub(crate) const DRAIN_FACTOR: usize = 4;

/// Why no body came.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the limit.
    TooLarge,
    /// Not received within the deadline.
    Timeout,
    /// The budget of bytes in flight had no room within the deadline.
    Busy,
    /// The connection failed.
    Read(String),
}

/// The bytes of bodies in flight, as permits of one KiB.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    kib: Arc<Semaphore>,
    total_kib: u32,
}

impl Budget {
    /// A budget of `bytes` (at least one KiB).
    pub(crate) fn new(bytes: usize) -> Budget {
        let total_kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .max(1);
        Budget {
            kib: Arc::new(Semaphore::new(total_kib as usize)),
            total_kib,
        }
    }

    /// Waits until `bytes` fit (a request larger than the whole budget
    /// takes all of it), or `until`.
    pub(crate) async fn acquire(
        &self,
        bytes: usize,
        until: Instant,
    ) -> Result<OwnedSemaphorePermit, BodyError> {
        let kib = u32::try_from(bytes.div_ceil(1024).max(1))
            .unwrap_or(u32::MAX)
            .min(self.total_kib);
        match tokio::time::timeout_at(until, self.kib.clone().acquire_many_owned(kib)).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(BodyError::Busy),
        }
    }
}

/// Reads `body`, at most `limit` bytes, by `until`.
pub(crate) async fn read(mut body: Body, limit: usize, until: Instant) -> Result<Bytes, BodyError> {
    let mut collected: Vec<u8> = Vec::new();
    loop {
        let frame = match tokio::time::timeout_at(until, body.frame()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => return Ok(Bytes::from(collected)),
            Ok(Some(Err(e))) => return Err(BodyError::Read(e.to_string())),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if collected.len() + data.len() > limit {
            drain(body, limit.saturating_mul(DRAIN_FACTOR), until).await;
            return Err(BodyError::TooLarge);
        }
        collected.extend_from_slice(&data);
    }
}

/// Reads and drops the rest of a refused body, up to `most` bytes and
/// until `until`, so that the refusal reaches an HTTP/2 client.
pub(crate) async fn drain(mut body: Body, most: usize, until: Instant) {
    let mut seen = 0usize;
    while seen <= most {
        match tokio::time::timeout_at(until, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                seen += frame.data_ref().map_or(0, Bytes::len);
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_share_that_finds_no_room_by_its_deadline_is_busy() {
        let budget = Budget::new(8 * 1024 * 1024);
        let soon = || Instant::now() + Duration::from_millis(50);
        let held = budget.acquire(6 * 1024 * 1024, soon()).await;
        assert!(held.is_ok());
        // Six of eight MiB held: another six wait, then are busy.
        assert!(matches!(
            budget.acquire(6 * 1024 * 1024, soon()).await,
            Err(BodyError::Busy)
        ));
        // Two fit beside them.
        let small = budget.acquire(2 * 1024 * 1024, soon()).await;
        assert!(small.is_ok());
        drop((held, small));
        // A body larger than the whole budget takes all of it, once free.
        let all = budget.acquire(64 * 1024 * 1024, soon()).await;
        assert!(all.is_ok());
        assert!(matches!(
            budget.acquire(1, soon()).await,
            Err(BodyError::Busy)
        ));
    }
}
