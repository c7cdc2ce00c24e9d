//! Email delivery: rendering ([`render`]), Lookout's headers ([`headers`]) and
//! the SMTP connection ([`transport`]).

pub mod headers;
pub mod render;
pub mod transport;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::domain::{Alert, EmailAddress, IdempotencyKey};
use crate::error::DeliveryError;
use headers::{AutoSubmitted, XLookoutCheck, XLookoutMonitor};
use render::Context;
use transport::{SmtpSettings, classify};

pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    smtp_host: String,
    from: Mailbox,
    public_base_url: url::Url,
}

impl EmailSender {
    pub fn new(
        smtp: &SmtpSettings,
        from: Mailbox,
        public_base_url: url::Url,
    ) -> Result<Self, mesh::config::ConfigError> {
        Ok(Self {
            transport: smtp.transport()?,
            smtp_host: smtp.host().to_owned(),
            from,
            public_base_url,
        })
    }

    /// The `Message-ID` for a key: the same key always yields the same id, so
    /// even a duplicate that slipped through would thread as one message.
    pub fn message_id(&self, key: &IdempotencyKey) -> String {
        let digest = Sha256::digest(key.as_str().as_bytes());
        let domain = self.from.email.domain();
        format!("<{}@{domain}>", hex::encode(&digest[..20]))
    }

    /// Builds and sends; returns the Message-ID.
    pub async fn send(
        &self,
        key: &IdempotencyKey,
        to: &EmailAddress,
        alert: &Alert,
    ) -> Result<String, DeliveryError> {
        let message_id = self.message_id(key);
        let message = self.compose(&message_id, to, alert)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(message_id),
            Err(error) => {
                // lettre's errors carry no credentials; the host is all we add.
                tracing::warn!(smtp_host = %self.smtp_host, error = %error, "SMTP delivery failed");
                Err(classify(&error, &self.smtp_host))
            }
        }
    }

    fn compose(
        &self,
        message_id: &str,
        to: &EmailAddress,
        alert: &Alert,
    ) -> Result<Message, DeliveryError> {
        let link = self.absolute_link(&alert.link);
        let diff_link = crate::text::diff_link(&self.public_base_url, &alert.link, &alert.diff);
        let channels_url = self
            .public_base_url
            .join("channels")
            .map(String::from)
            .unwrap_or_else(|_| self.public_base_url.to_string());
        let rendered = render::render(
            alert,
            &Context {
                link: link.as_deref(),
                diff_link: diff_link.as_deref(),
                channels_url: &channels_url,
            },
        );
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to.address().clone()))
            .subject(rendered.subject)
            .message_id(Some(message_id.to_owned()))
            .header(XLookoutMonitor::new(&alert.monitor_id))
            .header(XLookoutCheck::new(&alert.check_id))
            .header(AutoSubmitted::new("auto-generated"))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|error| DeliveryError::Internal(format!("could not build the email: {error}")))
    }

    fn absolute_link(&self, link: &str) -> Option<String> {
        crate::text::absolute_link(&self.public_base_url, link)
    }
}
