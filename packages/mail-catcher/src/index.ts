/** A local SMTP server that keeps what it receives and lists it on a page and as JSON. */
export {
  createMailCatcher,
  type CaughtMessage,
  type MailCatcher,
  type MailCatcherOptions,
} from "./create-mail-catcher";
