//! A real SMTP server for tests (RFC 5321, no AUTH) on a loopback port. It
//! keeps every message it accepts so a test can wait for them and read them
//! the way a mail client would (decoded subject, text and HTML parts).
//!
//! By default it speaks plain text. [`SmtpSink::start_starttls`] offers
//! STARTTLS (RFC 3207) and [`SmtpSink::start_implicit_tls`] speaks TLS from the
//! first byte, both with a [`TestCa`] certificate for `localhost`, so clients
//! can be tested against real handshakes and real certificate checks.
//!
//! Written over tokio rather than with an embedded SMTP crate so that it stops
//! with the test's runtime and brings in no second TLS provider.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

use crate::tls::{SERVER_NAME, TestCa};

/// Large enough for any alert; bounds memory if a test sends garbage.
const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// How the session that carried a message was protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Plain,
    /// Upgraded with STARTTLS before the envelope was sent.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    ImplicitTls,
}

/// What the sink offers a connecting client.
#[derive(Clone)]
enum Mode {
    Plain,
    StartTls(TlsAcceptor),
    ImplicitTls(TlsAcceptor),
}

/// One message as it arrived: the envelope, the raw DATA (dot-unstuffed) and
/// whether the session was encrypted.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
    pub security: Security,
}

impl ReceivedMessage {
    fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.data)
            .expect("the sink received a parsable message")
    }

    /// The decoded `Subject` header.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// A header as it was sent (unfolded, not decoded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed()
            .header_raw(name)
            .map(|value| value.trim().to_owned())
    }

    /// The `Message-ID` without angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_owned)
    }

    /// The decoded first text/plain part.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|text| text.into_owned())
            .unwrap_or_default()
    }

    /// The decoded first text/html part.
    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|html| html.into_owned())
            .unwrap_or_default()
    }

    /// Whether the message carries a real text/html part (mail-parser would
    /// otherwise derive one from the text part).
    pub fn has_html_part(&self) -> bool {
        let parsed = self.parsed();
        parsed
            .html_part(0)
            .and_then(|part| part.content_type())
            .is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("text")
                    && ct
                        .subtype()
                        .is_some_and(|sub| sub.eq_ignore_ascii_case("html"))
            })
    }
}

#[derive(Default)]
struct State {
    messages: Vec<ReceivedMessage>,
    /// Reply to every `RCPT TO`, e.g. `"550 5.1.1 no such user"`; `None` accepts.
    rcpt_reply: Option<String>,
    /// Completed TLS handshakes (STARTTLS upgrades and implicit TLS).
    tls_handshakes: usize,
    /// Handshakes the client broke off, e.g. because it distrusted the certificate.
    failed_tls_handshakes: usize,
    /// TCP connections accepted, to see whether a client reuses them.
    connections: usize,
}

struct Shared {
    state: Mutex<State>,
    arrived: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking session thread must not hide the messages from the test.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The running sink. It serves until the test's runtime shuts down.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    mode: Mode,
}

impl SmtpSink {
    /// Starts on a free loopback port, plain text only (no STARTTLS offered).
    pub async fn start() -> Self {
        Self::start_on_port(0).await
    }

    /// Starts on a given port, e.g. one a service was configured with while
    /// no server listened there ("the SMTP server comes back").
    pub async fn start_on_port(port: u16) -> Self {
        Self::start_with(port, Mode::Plain).await
    }

    /// Starts a sink that advertises STARTTLS and upgrades with `ca`'s
    /// `localhost` certificate. It still accepts mail without the upgrade,
    /// like most relays, so a client that skips TLS shows up in
    /// [`ReceivedMessage::security`].
    pub async fn start_starttls(ca: &TestCa) -> Self {
        Self::start_with(0, Mode::StartTls(ca.acceptor())).await
    }

    /// Starts a sink that speaks TLS from the first byte with `ca`'s
    /// `localhost` certificate.
    pub async fn start_implicit_tls(ca: &TestCa) -> Self {
        Self::start_with(0, Mode::ImplicitTls(ca.acceptor())).await
    }

    async fn start_with(port: u16, mode: Mode) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the SMTP sink binds a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            arrived: Notify::new(),
        });
        tokio::spawn(accept_loop(listener, Arc::clone(&shared), mode.clone()));
        Self { addr, shared, mode }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The `SMTP_URL` for this sink: `smtp://127.0.0.1:<port>` for a plain
    /// sink; `smtp://localhost:<port>?tls=required` or `smtps://localhost:<port>`
    /// for the TLS ones, naming the host their certificate is valid for.
    pub fn url(&self) -> String {
        let port = self.addr.port();
        match self.mode {
            Mode::Plain => format!("smtp://127.0.0.1:{port}"),
            Mode::StartTls(_) => format!("smtp://{SERVER_NAME}:{port}?tls=required"),
            Mode::ImplicitTls(_) => format!("smtps://{SERVER_NAME}:{port}"),
        }
    }

    /// How many TLS handshakes completed (STARTTLS or implicit).
    pub fn tls_handshakes(&self) -> usize {
        self.shared.lock().tls_handshakes
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// How many TLS handshakes a client started but did not complete.
    pub fn failed_tls_handshakes(&self) -> usize {
        self.shared.lock().failed_tls_handshakes
    }

    /// Makes every following `RCPT TO` answer `reply` (a full SMTP reply line
    /// such as `"550 5.1.1 mailbox unavailable"`); `None` accepts again.
    pub fn reply_to_recipients(&self, reply: Option<&str>) {
        self.shared.lock().rcpt_reply = reply.map(str::to_owned);
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.shared.lock().messages.clone()
    }

    /// Waits until at least `count` messages arrived and returns all of them.
    /// Panics after `timeout` with the number that did arrive.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before checking, so an arrival in between is not missed.
            let arrived = self.shared.arrived.notified();
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "expected {count} message(s) within {timeout:?}, got {}",
                    self.messages().len()
                );
            }
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mode: Mode) {
    while let Ok((stream, _)) = listener.accept().await {
        shared.lock().connections += 1;
        let shared = Arc::clone(&shared);
        let mode = mode.clone();
        tokio::spawn(async move {
            let (stream, security): (Box<dyn Stream>, _) = match &mode {
                Mode::ImplicitTls(acceptor) => {
                    match handshake(acceptor, Box::new(stream), &shared).await {
                        Some(tls) => (tls, Security::ImplicitTls),
                        None => return,
                    }
                }
                _ => (Box::new(stream), Security::Plain),
            };
            let starttls = match mode {
                Mode::StartTls(acceptor) => Some(acceptor),
                _ => None,
            };
            // I/O errors just end the session, as a real server would.
            let _ = session(stream, security, starttls, &shared).await;
        });
    }
}

/// A connection before or after TLS, so one session loop serves both.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn handshake(
    acceptor: &TlsAcceptor,
    stream: Box<dyn Stream>,
    shared: &Shared,
) -> Option<Box<dyn Stream>> {
    match acceptor.accept(stream).await {
        Ok(tls) => {
            shared.lock().tls_handshakes += 1;
            Some(Box::new(tls))
        }
        Err(_) => {
            shared.lock().failed_tls_handshakes += 1;
            None
        }
    }
}

/// One SMTP session. `starttls` is offered until the connection is encrypted.
async fn session(
    stream: Box<dyn Stream>,
    mut security: Security,
    starttls: Option<TlsAcceptor>,
    shared: &Shared,
) -> std::io::Result<()> {
    // BufReader passes writes through, so one value reads and writes.
    let mut connection = BufReader::new(stream);
    connection
        .write_all(b"220 lookout-test-sink ESMTP ready\r\n")
        .await?;
    connection.flush().await?;

    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if connection.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let offer_starttls = starttls.is_some() && security == Security::Plain;
        let reply: String = match verb.as_str() {
            "EHLO" if offer_starttls => "250-lookout-test-sink\r\n250-STARTTLS\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760".into(),
            "EHLO" => {
                "250-lookout-test-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760".into()
            }
            "HELO" => "250 lookout-test-sink".into(),
            "STARTTLS" if offer_starttls => {
                // Commands pipelined behind STARTTLS would be read as if they
                // came over TLS (the CVE-2011-0411 injection); refuse them.
                if !connection.buffer().is_empty() {
                    connection
                        .write_all(b"501 5.5.4 no commands after STARTTLS\r\n")
                        .await?;
                    return Ok(());
                }
                connection.write_all(b"220 2.0.0 ready to start TLS\r\n").await?;
                connection.flush().await?;
                let Some(acceptor) = &starttls else {
                    return Ok(());
                };
                let Some(tls) = handshake(acceptor, connection.into_inner(), shared).await else {
                    return Ok(());
                };
                connection = BufReader::new(tls);
                security = Security::StartTls;
                // RFC 3207 4.2: forget everything learnt before the upgrade.
                mail_from = None;
                rcpt_to.clear();
                continue;
            }
            "MAIL" => {
                mail_from = Some(path_argument(command));
                rcpt_to.clear();
                "250 2.1.0 OK".into()
            }
            "RCPT" if mail_from.is_none() => "503 5.5.1 MAIL first".into(),
            "RCPT" => {
                let configured = shared.lock().rcpt_reply.clone();
                match configured {
                    Some(reply) => reply,
                    None => {
                        rcpt_to.push(path_argument(command));
                        "250 2.1.5 OK".into()
                    }
                }
            }
            "DATA" if rcpt_to.is_empty() => "503 5.5.1 RCPT first".into(),
            "DATA" => {
                connection
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                connection.flush().await?;
                let Some(data) = read_data(&mut connection).await? else {
                    connection
                        .write_all(b"552 5.3.4 message too big\r\n")
                        .await?;
                    return Ok(());
                };
                let message = ReceivedMessage {
                    mail_from: mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                    security,
                };
                shared.lock().messages.push(message);
                shared.arrived.notify_waiters();
                "250 2.0.0 OK queued".into()
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                "250 2.0.0 OK".into()
            }
            "NOOP" => "250 2.0.0 OK".into(),
            "QUIT" => {
                connection.write_all(b"221 2.0.0 bye\r\n").await?;
                connection.flush().await?;
                return Ok(());
            }
            _ => "502 5.5.2 command not implemented".into(),
        };
        connection.write_all(reply.as_bytes()).await?;
        connection.write_all(b"\r\n").await?;
        // A TLS stream may hold the reply in its record buffer until flushed.
        connection.flush().await?;
    }
}

/// `MAIL FROM:<a@b> BODY=8BITMIME` → `a@b`.
fn path_argument(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}

/// Reads DATA up to the lone `.` line, undoing dot-stuffing (RFC 5321 4.5.2).
async fn read_data<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(data));
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
        if data.len() > MAX_MESSAGE_BYTES {
            return Ok(None);
        }
    }
}
