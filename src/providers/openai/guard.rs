//! The upstream's bytes on their way to the SSE parser. `eventsource-stream`
//! keeps an unfinished event in a buffer without bound and re-reads it on
//! every chunk, and holds an invalid UTF-8 byte (and everything after it)
//! forever. So, before it: invalid UTF-8 sequences become U+FFFD (a sequence
//! split between chunks is carried over whole), and an event that grows past
//! a bound (a line that never ends, `data:` lines with no blank line between
//! events) fails the stream.

/// An event grew past the bound.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("an event of the stream grew past {0} bytes without ending")]
pub(super) struct EventTooLong(pub usize);

/// The decoder and event-size check of one stream.
#[derive(Debug)]
pub(super) struct Guard {
    /// The start of a UTF-8 sequence the last chunk ended in (at most 3 bytes).
    carry: Vec<u8>,
    /// Bytes of the event being read, line ends aside.
    pending: usize,
    /// Whether the last byte ended a line (so another line end is a blank line:
    /// the end of an event).
    line_start: bool,
    prev: u8,
    limit: usize,
}

impl Guard {
    pub fn new(limit: usize) -> Self {
        Self {
            carry: Vec::new(),
            pending: 0,
            line_start: true,
            prev: 0,
            limit,
        }
    }

    /// The chunk as valid UTF-8 (what is held back comes with the next one).
    ///
    /// # Errors
    /// When the event being read grows past the bound.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<u8>, EventTooLong> {
        let out = if self.carry.is_empty() && std::str::from_utf8(chunk).is_ok() {
            chunk.to_vec()
        } else {
            let mut input = std::mem::take(&mut self.carry);
            input.extend_from_slice(chunk);
            let mut text = String::with_capacity(input.len());
            let mut rest = input.as_slice();
            loop {
                match std::str::from_utf8(rest) {
                    Ok(valid) => {
                        text.push_str(valid);
                        break;
                    }
                    Err(e) => {
                        let (valid, bad) = rest.split_at(e.valid_up_to());
                        text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                        match e.error_len() {
                            Some(n) => {
                                text.push('\u{FFFD}');
                                rest = &bad[n..];
                            }
                            // Cut at the chunk's end: the rest comes next.
                            None => {
                                self.carry = bad.to_vec();
                                break;
                            }
                        }
                    }
                }
            }
            text.into_bytes()
        };
        self.count(&out)?;
        Ok(out)
    }

    /// Counts the bytes of the event being read; a blank line (two line ends,
    /// `\r\n` being one) ends it.
    fn count(&mut self, bytes: &[u8]) -> Result<(), EventTooLong> {
        for &b in bytes {
            match b {
                b'\n' if self.prev == b'\r' => {}
                b'\n' | b'\r' => {
                    if self.line_start {
                        self.pending = 0;
                    }
                    self.line_start = true;
                }
                _ => {
                    self.line_start = false;
                    self.pending += 1;
                }
            }
            self.prev = b;
        }
        if self.pending > self.limit {
            return Err(EventTooLong(self.limit));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(guard: &mut Guard, chunks: &[&[u8]]) -> Result<String, EventTooLong> {
        let mut out = Vec::new();
        for c in chunks {
            out.extend_from_slice(&guard.feed(c)?);
        }
        Ok(String::from_utf8(out).expect("valid UTF-8 out"))
    }

    #[test]
    fn a_character_split_between_chunks_arrives_whole_and_a_bad_byte_is_replaced() {
        let text = "data: é中\n\n".as_bytes();
        for cut in 0..=text.len() {
            let mut g = Guard::new(1 << 20);
            let out = fed(&mut g, &[&text[..cut], &text[cut..]]).expect("fits");
            assert_eq!(out, "data: é中\n\n", "cut at {cut}");
        }
        let mut g = Guard::new(1 << 20);
        let out = fed(&mut g, &[b"data: a\xFFb\n\n", b"data: c\n\n"]).expect("fits");
        assert_eq!(out, "data: a\u{FFFD}b\n\ndata: c\n\n");
    }

    #[test]
    fn an_event_that_never_ends_fails_and_ended_ones_do_not_add_up() {
        let mut g = Guard::new(100);
        for _ in 0..1_000 {
            g.feed(b"data: {\"x\": 1}\n\n")
                .expect("each event is small");
            g.feed(b"data: y\r\n\r\n").expect("CRLF events end too");
        }
        let mut g = Guard::new(100);
        let err = (0..1_000)
            .map(|_| g.feed(b"data: x\n"))
            .find_map(Result::err)
            .expect("lines with no blank line between them");
        assert_eq!(err, EventTooLong(100));
        let mut g = Guard::new(100);
        let err = (0..1_000)
            .map(|_| g.feed(b"xxxxxxxxxx"))
            .find_map(Result::err)
            .expect("a line that never ends");
        assert_eq!(err, EventTooLong(100));
    }
}
