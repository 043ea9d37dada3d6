//! JSON lines, read in chunks whose lines the thread pool parses in parallel.

use std::io::BufRead;

use rayon::prelude::*;

use super::record::RawRecord;
use super::{Filter, ReadError, ReadReport, Sink, Tally};

/// Parses one stretch of whole lines; positions are 1-based lines within it.
fn parse_lines<S: Sink>(bytes: &[u8], filter: &Filter, sink: &mut S) -> (Tally, u64) {
    let mut tally = Tally::default();
    let mut line = 0u64;
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for end in ends {
        let raw = &bytes[start..end];
        start = end + 1;
        line += 1;
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t.trim(),
            Err(e) => {
                if !tally.record(filter, sink, Err(format!("not UTF-8: {e}")), line) {
                    break;
                }
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<RawRecord<'_>>(text)
            .map_err(|e| format!("not a JSON object: {e}"));
        if !tally.record(filter, sink, parsed, line) {
            break;
        }
    }
    // The text after the last newline counts as one more (possibly empty) line.
    (tally, line.saturating_sub(1))
}

/// Reads JSON lines chunk by chunk; each chunk is split into pieces at line ends
/// that the thread pool parses in parallel. (A separate reader thread to overlap
/// the reading was tried and measured no faster on two cores.)
pub(super) fn read_lines<R: BufRead, S: Sink>(
    mut input: R,
    filter: &Filter,
    new_sink: &(dyn Fn() -> S + Sync),
    absorb: &mut dyn FnMut(S),
    report: &mut ReadReport,
    chunk_bytes: usize,
) -> Result<(), ReadError> {
    let pieces_per_chunk = rayon::current_num_threads() * 2;
    let mut buf: Vec<u8> = Vec::with_capacity(chunk_bytes + (1 << 16));
    let mut lines_before = 0u64;
    loop {
        // Fill to a chunk, then cut after the last complete line.
        let mut eof = false;
        while buf.len() < chunk_bytes {
            let got = input.fill_buf()?;
            if got.is_empty() {
                eof = true;
                break;
            }
            let n = got.len().min(chunk_bytes - buf.len());
            buf.extend_from_slice(&got[..n]);
            input.consume(n);
        }
        let cut = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                // One line longer than a chunk: read on until it ends.
                None => {
                    input.read_until(b'\n', &mut buf)?;
                    buf.len()
                }
            }
        };
        let work = &buf[..cut];
        let mut bounds = vec![0usize];
        let step = work.len().div_ceil(pieces_per_chunk).max(1);
        while let Some(&last) = bounds.last() {
            if last >= work.len() {
                break;
            }
            let target = (last + step).min(work.len());
            let end = memchr::memchr(b'\n', &work[target..]).map_or(work.len(), |i| target + i + 1);
            bounds.push(end);
        }
        let results: Vec<(S, Tally, u64)> = bounds
            .windows(2)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|w| {
                let mut sink = new_sink();
                let (tally, lines) = parse_lines(&work[w[0]..w[1]], filter, &mut sink);
                (sink, tally, lines)
            })
            .collect();
        for (sink, tally, lines) in results {
            tally.merge_into(report, lines_before, "line")?;
            absorb(sink);
            lines_before += lines;
        }
        if eof {
            return Ok(());
        }
        buf.drain(..cut);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Collected, collect};
    use super::*;

    #[test]
    fn small_chunks_give_the_same_battles_and_line_numbers() {
        let mut text = String::new();
        for i in 0..300 {
            let winner = ["model_a", "model_b", "tie"][i % 3];
            text.push_str(&format!(
                "{{\"model_a\": \"m{}\", \"model_b\": \"m{}\", \"winner\": \"{winner}\"}}\n",
                i % 7,
                (i + 1) % 7
            ));
            if i == 250 {
                text.push_str("{broken\n");
            }
        }
        let (whole, _) = collect(
            &text,
            &Filter {
                skip_invalid: true,
                ..Filter::default()
            },
        )
        .expect("reads");
        for chunk in [1, 37, 64, 1000] {
            let mut out = Vec::new();
            let mut report = ReadReport::default();
            let filter = Filter {
                skip_invalid: true,
                ..Filter::default()
            };
            read_lines(
                text.as_bytes(),
                &filter,
                &Collected::default,
                &mut |c: Collected| out.extend(c.0),
                &mut report,
                chunk,
            )
            .expect("reads");
            assert_eq!(out, whole, "chunk {chunk}");
            assert_eq!(report.invalid, 1);
            assert_eq!(
                report.examples,
                vec![
                    "line 252: not a JSON object: key must be a string at line 1 column 2"
                        .to_owned()
                ],
                "chunk {chunk}"
            );
            let mut report = ReadReport::default();
            let err = read_lines(
                text.as_bytes(),
                &Filter::default(),
                &Collected::default,
                &mut |_| {},
                &mut report,
                chunk,
            )
            .expect_err("stops");
            assert!(
                err.to_string().starts_with("line 252: "),
                "chunk {chunk}: {err}"
            );
        }
    }
}
