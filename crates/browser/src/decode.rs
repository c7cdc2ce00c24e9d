//! Bytes to text. The charset comes from the Content-Type header, then a BOM,
//! then (for HTML) a `<meta charset>` in the first kilobytes, else UTF-8.

use encoding_rs::{Encoding, UTF_8};

/// How far into an HTML document a `<meta charset>` is looked for; browsers
/// use 1024 bytes, a little more tolerates long preambles.
const META_SNIFF_BYTES: usize = 4096;

/// Decodes `body`, replacing malformed sequences rather than failing: a page
/// with one bad byte is still worth watching.
pub fn decode(body: &[u8], content_type: &str, is_html: bool) -> String {
    let encoding = charset_param(content_type)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| Encoding::for_bom(body).map(|(encoding, _)| encoding))
        .or_else(|| is_html.then(|| meta_charset(body)).flatten())
        .unwrap_or(UTF_8);
    let (text, _, _) = encoding.decode(body);
    text.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(META_SNIFF_BYTES)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_charset_wins() {
        assert_eq!(
            decode(b"caf\xe9", "text/plain; charset=ISO-8859-1", false),
            "café"
        );
    }

    #[test]
    fn meta_charset_is_used_for_html_without_header_charset() {
        let body = b"<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xe9</body></html>";
        assert!(decode(body, "text/html", true).contains("café"));
        let body =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">\x80";
        assert!(decode(body, "text/html", true).contains('€'));
    }

    #[test]
    fn utf8_is_the_default_and_bad_bytes_do_not_fail() {
        assert_eq!(decode("été".as_bytes(), "text/plain", false), "été");
        assert_eq!(decode(b"a\xffb", "", false), "a\u{fffd}b");
    }
}
