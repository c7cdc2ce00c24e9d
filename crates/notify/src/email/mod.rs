//! Email delivery: rendering ([`render`]), Lookout's headers ([`headers`]) and
//! the SMTP connection ([`transport`]).

pub mod headers;
pub mod render;
pub mod transport;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::domain::{
    Alert, AlertKind, Content, Digest as AlertDigest, EmailAddress, IdempotencyKey,
};
use crate::error::DeliveryError;
use headers::{
    AutoSubmitted, ListUnsubscribe, ListUnsubscribePost, XLookoutCheck, XLookoutMonitor,
};
use render::{Context, Rendered};
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
        content: &Content,
        unsubscribe: Option<&url::Url>,
    ) -> Result<String, DeliveryError> {
        let message_id = self.message_id(key);
        let message = match content {
            Content::Alert(alert) => self.compose(&message_id, to, alert, unsubscribe)?,
            Content::Digest(digest) => self.compose_digest(&message_id, to, digest, unsubscribe)?,
        };
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
        unsubscribe: Option<&url::Url>,
    ) -> Result<Message, DeliveryError> {
        let link = self.absolute_link(&alert.link);
        let diff_link = crate::text::diff_link(&self.public_base_url, &alert.link, &alert.diff);
        let channels_url = self.channels_url();
        let rendered = render::render(
            alert,
            &Context {
                link: link.as_deref(),
                diff_link: diff_link.as_deref(),
                channels_url: &channels_url,
                unsubscribe_url: unsubscribe.map(url::Url::as_str),
            },
        );
        let mut builder = self.builder(message_id, to, unsubscribe);
        // Tests, confirmations and notices are about no monitor: no empty headers.
        if matches!(
            alert.kind,
            AlertKind::Triggered | AlertKind::Failing | AlertKind::Recovered
        ) {
            builder = builder
                .header(XLookoutMonitor::new(&alert.monitor_id))
                .header(XLookoutCheck::new(&alert.check_id));
        }
        Self::finish(builder, rendered)
    }

    fn compose_digest(
        &self,
        message_id: &str,
        to: &EmailAddress,
        digest: &AlertDigest,
        unsubscribe: Option<&url::Url>,
    ) -> Result<Message, DeliveryError> {
        let channels_url = self.channels_url();
        let rendered = render::render_digest(
            digest,
            &self.public_base_url,
            &channels_url,
            unsubscribe.map(url::Url::as_str),
        );
        Self::finish(self.builder(message_id, to, unsubscribe), rendered)
    }

    /// The headers every alert email carries.
    fn builder(
        &self,
        message_id: &str,
        to: &EmailAddress,
        unsubscribe: Option<&url::Url>,
    ) -> lettre::message::MessageBuilder {
        let builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to.address().clone()))
            .message_id(Some(message_id.to_owned()))
            .header(AutoSubmitted::new("auto-generated"));
        match unsubscribe {
            Some(url) => builder
                .header(ListUnsubscribe::new(url))
                .header(ListUnsubscribePost),
            None => builder,
        }
    }

    fn finish(
        builder: lettre::message::MessageBuilder,
        rendered: Rendered,
    ) -> Result<Message, DeliveryError> {
        builder
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|error| DeliveryError::Internal(format!("could not build the email: {error}")))
    }

    fn channels_url(&self) -> String {
        self.public_base_url
            .join("channels")
            .map(String::from)
            .unwrap_or_else(|_| self.public_base_url.to_string())
    }

    fn absolute_link(&self, link: &str) -> Option<String> {
        crate::text::absolute_link(&self.public_base_url, link)
    }
}
