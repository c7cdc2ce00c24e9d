//! Snapshot text as stored: zstd-compressed, with its length before
//! compression kept beside it (`migrations/0210_compressed_snapshots.sql`).
//! Compression runs in the process that writes, so PostgreSQL stores a small
//! inline value instead of compressing a large one itself.
//!
//! A page that changed a little is stored as a delta: compressed with its
//! monitor's *keyframe* (a snapshot stored whole) as zstd's dictionary, so
//! only what differs from the keyframe takes room
//! (`migrations/0220_snapshot_deltas.sql`). A delta's base is always a
//! keyframe, never another delta, so reading any snapshot takes at most two
//! decompressions. Once a delta would cost more than half its keyframe, the
//! page has drifted far enough that a new keyframe is the cheaper start for
//! what follows, and the text is stored whole instead.

use uuid::Uuid;

use crate::error::StoreError;

/// zstd's default level: page text (repetitive markup-free prose and
/// prices) shrinks several times over in tens of microseconds; higher
/// levels buy a few percent for several times the CPU. Diffs use it too.
pub(crate) const LEVEL: i32 = 3;

/// Longest text a snapshot is read back as, far above any page the browser
/// hands over: a corrupt length cannot make a reader allocate without bound.
const MAX_TEXT_BYTES: usize = 256 << 20;

/// The compressed text, and its length before compression.
pub(crate) fn compress(text: &str) -> Result<(Vec<u8>, i32), StoreError> {
    let length = text_length(text)?;
    let compressed =
        crate::zstd_contexts::compress(text.as_bytes(), LEVEL, &[], false).map_err(|error| {
            StoreError::Data {
                context: "compressing a snapshot's text",
                detail: error.to_string(),
            }
        })?;
    Ok((compressed, length))
}

/// A snapshot stored whole that a newer snapshot of its monitor may be
/// stored against.
pub(crate) struct Keyframe {
    pub id: Uuid,
    pub text: String,
    /// Its compressed size: what a delta is weighed against.
    pub stored_bytes: usize,
}

/// A snapshot's text as it goes into its row.
pub(crate) struct StoredText {
    pub compressed: Vec<u8>,
    /// The text's length before compression.
    pub length: i32,
    /// The keyframe the text was compressed against, if it is a delta.
    pub base_id: Option<Uuid>,
}

/// The text as a delta against `keyframe` when that costs at most half the
/// keyframe, else whole (see the module's documentation).
pub(crate) fn store(text: &str, keyframe: Option<&Keyframe>) -> Result<StoredText, StoreError> {
    if let Some(keyframe) = keyframe {
        let delta = compress_against(text, &keyframe.text)?;
        if delta.len() * 2 <= keyframe.stored_bytes {
            return Ok(StoredText {
                compressed: delta,
                length: text_length(text)?,
                base_id: Some(keyframe.id),
            });
        }
    }
    let (compressed, length) = compress(text)?;
    Ok(StoredText {
        compressed,
        length,
        base_id: None,
    })
}

/// `text` compressed with `base` as zstd's dictionary. A UTF-8 text cannot
/// begin with zstd's dictionary magic number (`EC 30 A4 37`: `0x30` is no
/// continuation byte), so zstd always reads `base` as raw content. The
/// frame carries a checksum: a delta read against any other base fails
/// instead of reading as a wrong text.
fn compress_against(text: &str, base: &str) -> Result<Vec<u8>, StoreError> {
    crate::zstd_contexts::compress(text.as_bytes(), LEVEL, base.as_bytes(), true).map_err(|error| {
        StoreError::Data {
            context: "compressing a snapshot's text against its keyframe",
            detail: error.to_string(),
        }
    })
}

fn text_length(text: &str) -> Result<i32, StoreError> {
    i32::try_from(text.len()).map_err(|_| StoreError::Data {
        context: "compressing a snapshot's text",
        detail: format!("{} bytes is more than a snapshot holds", text.len()),
    })
}

/// The text back from [`compress`]'s output and length.
pub(crate) fn decompress(compressed: &[u8], length: i32) -> Result<String, StoreError> {
    decompress_against(compressed, length, "")
}

/// The text back from a delta [`store`] made against `base` (with an empty
/// `base`, from [`compress`]'s output).
pub(crate) fn decompress_against(
    compressed: &[u8],
    length: i32,
    base: &str,
) -> Result<String, StoreError> {
    let unreadable = |detail: String| StoreError::Data {
        context: "reading a snapshot's compressed text",
        detail,
    };
    let length = usize::try_from(length)
        .ok()
        .filter(|length| *length <= MAX_TEXT_BYTES)
        .ok_or_else(|| unreadable(format!("stored length {length} is out of range")))?;
    let bytes = crate::zstd_contexts::decompress(compressed, base.as_bytes(), length)
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

    /// A catalogue page as the bench serves it: 50 items whose prices move.
    fn catalogue(shift: u32) -> String {
        (0..50)
            .map(|item| {
                format!(
                    "Item {item} of catalogue page 7\n{}.00 EUR\nHand-finished in a small \
                     workshop, each piece varies slightly in colour and grain.\n",
                    100 + item * 13 + shift
                )
            })
            .collect()
    }

    fn keyframe(text: &str) -> Keyframe {
        let (compressed, _) = compress(text).unwrap();
        Keyframe {
            id: Uuid::now_v7(),
            text: text.to_owned(),
            stored_bytes: compressed.len(),
        }
    }

    #[test]
    fn a_small_change_is_stored_as_a_delta_under_half_the_whole_text() {
        let base = keyframe(&catalogue(0));
        let text = catalogue(1);
        let stored = store(&text, Some(&base)).unwrap();
        assert_eq!(stored.base_id, Some(base.id));
        let whole = compress(&text).unwrap().0.len();
        assert!(
            stored.compressed.len() * 2 < whole,
            "delta {} bytes, whole {whole}",
            stored.compressed.len()
        );
        assert_eq!(
            decompress_against(&stored.compressed, stored.length, &base.text).unwrap(),
            text
        );
    }

    #[test]
    fn a_page_that_drifted_far_from_its_keyframe_is_stored_whole() {
        let base = keyframe(&catalogue(0));
        let unrelated: String = (0..400)
            .map(|line| {
                format!(
                    "Entirely different line {line} with {} words\n",
                    line * 7919
                )
            })
            .collect();
        let stored = store(&unrelated, Some(&base)).unwrap();
        assert_eq!(stored.base_id, None);
        assert_eq!(
            decompress(&stored.compressed, stored.length).unwrap(),
            unrelated
        );
        let first = store("the first text of a monitor", None).unwrap();
        assert_eq!(first.base_id, None);
    }

    #[test]
    fn a_delta_read_against_another_base_is_an_error_not_a_wrong_text() {
        let base = keyframe(&catalogue(0));
        let stored = store(&catalogue(1), Some(&base)).unwrap();
        for wrong in [catalogue(2), String::new(), "short".to_owned()] {
            assert!(
                matches!(
                    decompress_against(&stored.compressed, stored.length, &wrong),
                    Err(StoreError::Data { .. })
                ),
                "read against {:?}…",
                wrong.get(..20)
            );
        }
    }

    #[test]
    fn deltas_against_short_and_empty_keyframes_come_back_whole() {
        for base in ["", "a", "seven b", "Prix : 99,00 €"] {
            let base = Keyframe {
                id: Uuid::now_v7(),
                text: base.to_owned(),
                // Weighs nothing: every delta against it is kept.
                stored_bytes: usize::MAX / 2,
            };
            for text in ["", "a", "Prix : 99,00 € — 12 in stock", &catalogue(3)] {
                let stored = store(text, Some(&base)).unwrap();
                assert_eq!(stored.base_id, Some(base.id));
                assert_eq!(
                    decompress_against(&stored.compressed, stored.length, &base.text).unwrap(),
                    text,
                    "against {:?}",
                    base.text
                );
            }
        }
    }
}
