import nodemailer from 'nodemailer';

export interface MailSettings {
  /** smtp://user:password@host:port (smtps:// for implicit TLS). */
  smtpUrl: string;
  from: string;
  to: string[];
  /** Base URL of the dashboard, used in the link to the search. */
  publicUrl: string;
}

export interface SentMail {
  messageId: string;
  accepted: string[];
}

export interface Mailer {
  send(message: { subject: string; text: string; html: string }): Promise<SentMail>;
  close(): void;
}

/** A nodemailer transport over SMTP; a rejected message throws, so graphile-worker retries the job. */
export function createMailer(settings: MailSettings): Mailer {
  const transport = nodemailer.createTransport(settings.smtpUrl);
  return {
    async send(message) {
      const info = await transport.sendMail({ from: settings.from, to: settings.to, ...message });
      return { messageId: info.messageId, accepted: info.accepted.map(String) };
    },
    close: () => transport.close(),
  };
}
