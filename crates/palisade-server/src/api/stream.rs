//! Answers that are streamed rather than built in memory: the events of
//! `/api/v1/events` page by page from the store, up to a byte cap with a
//! continuation cursor, and the evidence bundle of `/api/v1/export` as the
//! exporter writes it. A server with a 256 MiB limit must not hold a whole
//! answer: one large read would take it down, and the webhook with it.
//!
//! The status and headers leave before the body; a store error after that
//! aborts the body (the client sees a broken transfer, never a short answer
//! that looks whole) and is logged.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use axum::body::{Body, Bytes};
use futures_util::stream;
use palisade_audit::{Cursor, Entry, Filter};

use crate::Shared;

/// Most bytes of events one `/api/v1/events` answer carries; past them the
/// answer ends with `next`, where the following one starts.
pub(super) const MAX_EVENTS_BYTES: usize = 8 * 1024 * 1024;

/// Events read from the store at a time.
const PAGE_EVENTS: u64 = 16;

/// Where the events stream is.
struct Events {
    shared: Arc<Shared>,
    filter: Filter,
    scope: Option<Vec<String>>,
    /// Events still to send (the request's `limit`).
    remaining: u64,
    /// Bytes of events sent.
    sent: usize,
    /// The last event sent.
    last: Option<Cursor>,
    /// The opening was sent.
    opened: bool,
    /// The closing was sent: nothing more.
    closed: bool,
}

/// `{"events":[...],"next":CURSOR|null}` for `filter`, read in pages.
/// `next` is set when the limit or the byte cap ended the answer before
/// the store ran out of matching events.
pub(super) fn events(shared: Arc<Shared>, filter: Filter, scope: Option<Vec<String>>) -> Body {
    let remaining = filter.limit.unwrap_or(u64::MAX);
    let state = Events {
        shared,
        filter,
        scope,
        remaining,
        sent: 0,
        last: None,
        opened: false,
        closed: false,
    };
    Body::from_stream(stream::unfold(state, |mut state| async move {
        if state.closed {
            return None;
        }
        let chunk = state.next_chunk().await;
        if chunk.is_err() {
            state.closed = true;
        }
        Some((chunk, state))
    }))
}

impl Events {
    /// The next piece of the answer: the opening with the first page, a
    /// page, or the last page with the closing.
    async fn next_chunk(&mut self) -> Result<Bytes, std::io::Error> {
        let mut out = Vec::new();
        if !self.opened {
            self.opened = true;
            out.extend_from_slice(b"{\"events\":[");
        }
        // `Some(next)` ends the answer; `next` is where the following one
        // would start (none: the store has no more).
        let mut end: Option<Option<String>> = None;
        if self.remaining == 0 {
            end = Some(self.last.as_ref().map(Cursor::to_string));
        } else {
            let want = PAGE_EVENTS.min(self.remaining);
            let page = self.page(want).await?;
            for entry in &page {
                let text = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
                if self.last.is_some() {
                    // At least one event per answer, so paging moves on.
                    if self.sent + text.len() > MAX_EVENTS_BYTES {
                        end = Some(self.last.as_ref().map(Cursor::to_string));
                        break;
                    }
                    out.push(b',');
                }
                self.sent += text.len();
                out.extend_from_slice(&text);
                self.last = Some(Cursor::of(entry));
                self.remaining -= 1;
            }
            if end.is_none() && (page.len() as u64) < want {
                end = Some(None);
            }
        }
        if let Some(next) = end {
            let next = serde_json::to_string(&next).map_err(std::io::Error::other)?;
            out.extend_from_slice(format!("],\"next\":{next}}}\n").as_bytes());
            self.closed = true;
        }
        Ok(Bytes::from(out))
    }

    /// The next page from the store: after the last event sent, or at the
    /// request's offset for the first.
    async fn page(&self, want: u64) -> Result<Vec<Entry>, std::io::Error> {
        let Some(api) = self.shared.api.as_ref() else {
            return Err(std::io::Error::other("the read API is off"));
        };
        let mut filter = self.filter.clone();
        filter.limit = Some(want);
        if let Some(cursor) = &self.last {
            filter.after = Some(cursor.clone());
            filter.offset = 0;
        }
        let result = match &self.scope {
            None => api.reader.query(&filter).await,
            Some(scope) => api.reader.query_scoped(&filter, scope).await,
        };
        result.map_err(|e| {
            tracing::error!(error = %e, "API events query");
            std::io::Error::other("cannot read the audit log")
        })
    }
}

/// What the exporter has written and the body not yet taken.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("export buffer poisoned"))?;
        buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Written {
    fn take(&self) -> Result<Vec<u8>, std::io::Error> {
        let mut buffer = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("export buffer poisoned"))?;
        Ok(std::mem::take(&mut *buffer))
    }
}

/// The body of an export: `export` is driven only while the client reads,
/// and what it wrote since the last poll leaves at once, so the server
/// holds at most what the exporter writes between two reads of the store
/// (one page of a chain), not the bundle.
pub(super) fn export<F>(export: impl FnOnce(Box<dyn Write + Send>) -> F) -> Body
where
    F: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let written = Written::default();
    let mut exporting = Some(Box::pin(export(Box::new(written.clone()))));
    Body::from_stream(stream::poll_fn(move |cx| {
        let done = match exporting.as_mut() {
            None => return Poll::Ready(None),
            Some(future) => match future.as_mut().poll(cx) {
                Poll::Pending => false,
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(e)) => {
                    exporting = None;
                    return Poll::Ready(Some(Err(std::io::Error::other(e))));
                }
            },
        };
        if done {
            exporting = None;
        }
        match written.take() {
            Err(e) => Poll::Ready(Some(Err(e))),
            Ok(bytes) if !bytes.is_empty() => Poll::Ready(Some(Ok(Bytes::from(bytes)))),
            // Done: the next poll ends the stream.
            Ok(_) if done => Poll::Ready(None),
            Ok(_) => Poll::Pending,
        }
    }))
}
