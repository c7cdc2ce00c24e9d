//! A check's diff as stored: zstd-compressed in `checks.diff_zstd`
//! (`migrations/0230_compressed_diffs.sql`); rows written before keep their
//! plain `diff`. Every query that reads a diff selects both columns through
//! [`diff_columns`] (in `concat!`, directly or through a reader's own column
//! list such as `deliveries::delivered_columns`) and hands the row to
//! [`read`].

use crate::error::StoreError;

/// Longest diff read back, far above what a check stores (60 lines, 8 KB):
/// a corrupt frame cannot make a reader allocate without bound. zstd records
/// each frame's exact size, so a diff takes only its own length.
const MAX_DIFF_BYTES: usize = 1 << 20;

/// The columns a reader of `checks c` selects for [`read`].
macro_rules! diff_columns {
    () => {
        "c.diff, c.diff_zstd"
    };
}
pub(crate) use diff_columns;

pub(crate) fn compress(diff: Option<&str>) -> Result<Option<Vec<u8>>, StoreError> {
    diff.map(|diff| {
        crate::zstd_contexts::compress(diff.as_bytes(), crate::snapshot_text::LEVEL, &[], false)
            .map_err(|error| StoreError::Data {
                context: "compressing a check's diff",
                detail: error.to_string(),
            })
    })
    .transpose()
}

/// The diff of a row that selected [`diff_columns`].
pub(crate) fn read(row: &tokio_postgres::Row) -> Result<Option<String>, StoreError> {
    let Some(compressed) = row.get::<_, Option<&[u8]>>("diff_zstd") else {
        return Ok(row.get("diff"));
    };
    let unreadable = |detail: String| StoreError::Data {
        context: "reading a check's compressed diff",
        detail,
    };
    let bytes = crate::zstd_contexts::decompress(compressed, &[], MAX_DIFF_BYTES)
        .map_err(|error| unreadable(error.to_string()))?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|error| unreadable(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_comes_back_whole_and_smaller() {
        let diff = "--- previous\n+++ current\n@@ -3,152 +3,152 @@\n".to_owned()
            + &(0..50)
                .map(|item| {
                    format!(
                        "-{}.00 EUR\n+{}.00 EUR\n Item {item}\n",
                        100 + item,
                        101 + item
                    )
                })
                .collect::<String>();
        let compressed = compress(Some(&diff)).unwrap().unwrap();
        assert!(
            compressed.len() * 3 < diff.len(),
            "{} bytes",
            compressed.len()
        );
        assert_eq!(
            zstd::bulk::decompress(&compressed, MAX_DIFF_BYTES).unwrap(),
            diff.as_bytes()
        );
        assert_eq!(compress(None).unwrap(), None);
    }
}
