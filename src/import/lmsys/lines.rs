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
/// that the thread pool parses in parallel, while the next chunk is read
/// meanwhile (a read that waited for the parse, and a parse that waited for
/// the read, left a core idle about a fifth of the time on two cores).
pub(super) fn read_lines<R: BufRead + Send, S: Sink>(
    mut input: R,
    filter: &Filter,
    new_sink: &(dyn Fn() -> S + Sync),
    absorb: &mut dyn FnMut(S),
    report: &mut ReadReport,
    chunk_bytes: usize,
) -> Result<(), ReadError> {
    let pieces_per_chunk = rayon::current_num_threads() * 8;
    let capacity = chunk_bytes + (1 << 16);
    let mut current: Vec<u8> = Vec::with_capacity(capacity);
    let mut next: Vec<u8> = Vec::with_capacity(capacity);
    let mut eof = fill(&mut input, &mut current, chunk_bytes)?;
    let mut lines_before = 0u64;
    loop {
        // Cut after the last complete line; what follows starts the next chunk.
        let cut = if eof {
            current.len()
        } else {
            match memchr::memrchr(b'\n', &current) {
                Some(i) => i + 1,
                // One line longer than a chunk: read on until it ends.
                None => {
                    input.read_until(b'\n', &mut current)?;
                    current.len()
                }
            }
        };
        next.clear();
        next.extend_from_slice(&current[cut..]);
        let work = &current[..cut];
        let parse = || parse_pieces(work, pieces_per_chunk, filter, new_sink);
        let (results, filled) = if eof {
            (parse(), Ok(true))
        } else {
            rayon::join(parse, || fill(&mut input, &mut next, chunk_bytes))
        };
        for (sink, tally, lines) in results {
            tally.merge_into(report, lines_before, "line")?;
            absorb(sink);
            lines_before += lines;
        }
        if eof {
            return Ok(());
        }
        eof = filled?;
        std::mem::swap(&mut current, &mut next);
    }
}

/// Reads on into `buf` until it holds `chunk_bytes` or the input ends; true
/// at the end of the input.
fn fill<R: BufRead>(input: &mut R, buf: &mut Vec<u8>, chunk_bytes: usize) -> std::io::Result<bool> {
    let want = chunk_bytes.saturating_sub(buf.len());
    if want == 0 {
        return Ok(false);
    }
    let got = std::io::Read::read_to_end(&mut std::io::Read::take(&mut *input, want as u64), buf)?;
    Ok(got < want)
}

/// Parses whole lines, cut into `pieces` stretches at line ends, in parallel;
/// the results come back in input order.
fn parse_pieces<S: Sink>(
    work: &[u8],
    pieces: usize,
    filter: &Filter,
    new_sink: &(dyn Fn() -> S + Sync),
) -> Vec<(S, Tally, u64)> {
    let mut bounds = vec![0usize];
    let step = work.len().div_ceil(pieces).max(1);
    while let Some(&last) = bounds.last() {
        if last >= work.len() {
            break;
        }
        let target = (last + step).min(work.len());
        let end = memchr::memchr(b'\n', &work[target..]).map_or(work.len(), |i| target + i + 1);
        bounds.push(end);
    }
    bounds
        .windows(2)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|w| {
            let mut sink = new_sink();
            let (tally, lines) = parse_lines(&work[w[0]..w[1]], filter, &mut sink);
            (sink, tally, lines)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Collected, collect};
    use super::*;

    /// Input that breaks after `ok` bytes.
    struct Breaks<'a> {
        text: &'a [u8],
        ok: usize,
    }

    impl std::io::Read for Breaks<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.ok == 0 {
                return Err(std::io::Error::other("the disk went away"));
            }
            let n = out.len().min(self.ok).min(self.text.len());
            out[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            self.ok -= n;
            Ok(n)
        }
    }

    /// The next chunk is read while this one is parsed: a read that fails
    /// then still stops the read with its error, after the lines before it
    /// were counted, and a bad line before it is reported first.
    #[test]
    fn a_read_that_fails_while_a_chunk_is_parsed_stops_the_read() {
        let line = "{\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"tie\"}\n";
        let text = line.repeat(100);
        for (broken_line, expected) in [
            (None, "cannot read the input: the disk went away"),
            (Some(3), "line 3: "),
        ] {
            let mut text = text.clone();
            if let Some(at) = broken_line {
                let start = line.len() * (at - 1);
                text.replace_range(start..start + 1, "[");
            }
            let mut out = Vec::new();
            let mut report = ReadReport::default();
            let err = read_lines(
                std::io::BufReader::with_capacity(
                    64,
                    Breaks {
                        text: text.as_bytes(),
                        ok: line.len() * 40,
                    },
                ),
                &Filter::default(),
                &Collected::default,
                &mut |c: Collected| out.extend(c.0),
                &mut report,
                line.len() * 10,
            )
            .expect_err("stops");
            assert!(err.to_string().starts_with(expected), "{err}");
            if broken_line.is_none() {
                // Whole chunks before the failure were counted, none after it.
                assert!(out.len() <= 40 && out.len() >= 20, "{}", out.len());
                assert_eq!(report.records, out.len() as u64);
            }
        }
    }

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
