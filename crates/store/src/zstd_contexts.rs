//! One zstd compression and one decompression context per thread, reused by
//! every snapshot and diff this process compresses or reads.
//!
//! A context holds hundreds of kilobytes of tables: creating one per call
//! (what `zstd::bulk::compress` and friends do) cost the scheduler more than
//! the compression of a 20 KB page it served (perf, text-changed checks:
//! `ZSTD_createCCtx` + `ZSTD_createDCtx` + their `memset`s ~7 % of its CPU).
//! The dictionary and parameters are set on every call, since a context
//! keeps them from one call to the next; a dictionary (a copy of a whole
//! keyframe, up to a page's size) is dropped again after its call, so no
//! thread keeps a page's text.

use std::cell::RefCell;
use std::io;

use zstd::bulk::{Compressor, Decompressor};
use zstd::stream::raw::CParameter;

thread_local! {
    static COMPRESSOR: RefCell<Compressor<'static>> = RefCell::new(Compressor::default());
    static DECOMPRESSOR: RefCell<Decompressor<'static>> = RefCell::new(Decompressor::default());
}

/// `data` compressed at `level`, with `dictionary` (raw content; empty for
/// none) and, when `checksum`, a checksum of the content in the frame.
pub(crate) fn compress(
    data: &[u8],
    level: i32,
    dictionary: &[u8],
    checksum: bool,
) -> io::Result<Vec<u8>> {
    COMPRESSOR.with_borrow_mut(|compressor| {
        compressor.set_dictionary(level, dictionary)?;
        compressor.set_parameter(CParameter::ChecksumFlag(checksum))?;
        let compressed = compressor.compress(data);
        if !dictionary.is_empty() {
            compressor.set_dictionary(level, &[])?;
        }
        compressed
    })
}

/// `data` decompressed with `dictionary` (empty for none), refusing more
/// than `capacity` bytes.
pub(crate) fn decompress(data: &[u8], dictionary: &[u8], capacity: usize) -> io::Result<Vec<u8>> {
    DECOMPRESSOR.with_borrow_mut(|decompressor| {
        decompressor.set_dictionary(dictionary)?;
        let decompressed = decompressor.decompress(data, capacity);
        if !dictionary.is_empty() {
            decompressor.set_dictionary(&[])?;
        }
        decompressed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEVEL: i32 = 3;

    #[test]
    fn a_context_reused_with_and_without_a_dictionary_reads_back_each_frame() {
        let base = "Item 1: 100.00 EUR\nItem 2: 200.00 EUR\n".repeat(50);
        let text = base.replace("200.00", "250.00");
        let delta = compress(text.as_bytes(), LEVEL, base.as_bytes(), true).unwrap();
        let whole = compress(text.as_bytes(), LEVEL, &[], false).unwrap();
        // The dictionary does not stick: the whole frame reads without it.
        assert_eq!(
            decompress(&whole, &[], text.len()).unwrap(),
            text.as_bytes()
        );
        assert_eq!(
            decompress(&delta, base.as_bytes(), text.len()).unwrap(),
            text.as_bytes()
        );
        assert!(
            delta.len() < whole.len(),
            "{} vs {}",
            delta.len(),
            whole.len()
        );
        // Nor does it stick on the reading side: the delta needs its base again.
        assert!(decompress(&delta, &[], text.len()).is_err());
        assert_eq!(
            decompress(&whole, &[], text.len()).unwrap(),
            text.as_bytes()
        );
    }
}
