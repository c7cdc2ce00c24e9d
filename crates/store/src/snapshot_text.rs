//! Snapshot text as stored: zstd-compressed, with its length before
//! compression kept beside it (`migrations/0210_compressed_snapshots.sql`).
//! Compression runs in the process that writes, so PostgreSQL stores a small
//! inline value instead of compressing a large one itself.

use crate::error::StoreError;

/// zstd's default level: page text (repetitive markup-free prose and
/// prices) shrinks several times over in tens of microseconds; higher
/// levels buy a few percent for several times the CPU.
const LEVEL: i32 = 3;

/// Longest text a snapshot is read back as, far above any page the browser
/// hands over: a corrupt length cannot make a reader allocate without bound.
const MAX_TEXT_BYTES: usize = 256 << 20;

/// The compressed text, and its length before compression.
pub(crate) fn compress(text: &str) -> Result<(Vec<u8>, i32), StoreError> {
    let length = i32::try_from(text.len()).map_err(|_| StoreError::Data {
        context: "compressing a snapshot's text",
        detail: format!("{} bytes is more than a snapshot holds", text.len()),
    })?;
    let compressed =
        zstd::bulk::compress(text.as_bytes(), LEVEL).map_err(|error| StoreError::Data {
            context: "compressing a snapshot's text",
            detail: error.to_string(),
        })?;
    Ok((compressed, length))
}

/// The text back from [`compress`]'s output and length.
pub(crate) fn decompress(compressed: &[u8], length: i32) -> Result<String, StoreError> {
    let unreadable = |detail: String| StoreError::Data {
        context: "reading a snapshot's compressed text",
        detail,
    };
    let length = usize::try_from(length)
        .ok()
        .filter(|length| *length <= MAX_TEXT_BYTES)
        .ok_or_else(|| unreadable(format!("stored length {length} is out of range")))?;
    let bytes = zstd::bulk::decompress(compressed, length)
        .map_err(|error| unreadable(error.to_string()))?;
    if bytes.len() != length {
        return Err(unreadable(format!(
            "{} bytes came back where {length} were stored",
            bytes.len()
        )));
    }
    String::from_utf8(bytes).map_err(|error| unreadable(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_comes_back_whole_and_smaller() {
        let text = "Item 1 of catalogue page 7 · 120.00 EUR · Hand-finished in a small workshop.\n"
            .repeat(200)
            + "Prix : 99,00 € — ünïcödé survives";
        let (compressed, length) = compress(&text).unwrap();
        assert_eq!(usize::try_from(length).unwrap(), text.len());
        assert!(
            compressed.len() * 10 < text.len(),
            "{} bytes",
            compressed.len()
        );
        assert_eq!(decompress(&compressed, length).unwrap(), text);
        let (empty, zero) = compress("").unwrap();
        assert_eq!(decompress(&empty, zero).unwrap(), "");
    }

    #[test]
    fn a_wrong_length_or_corrupt_bytes_are_an_error_not_a_wrong_text() {
        let (compressed, length) = compress("the page as it was").unwrap();
        assert!(matches!(
            decompress(&compressed, length - 1),
            Err(StoreError::Data { .. })
        ));
        assert!(matches!(
            decompress(&compressed, length + 1),
            Err(StoreError::Data { .. })
        ));
        assert!(matches!(
            decompress(&compressed, -1),
            Err(StoreError::Data { .. })
        ));
        assert!(matches!(
            decompress(b"not zstd at all", length),
            Err(StoreError::Data { .. })
        ));
    }
}
