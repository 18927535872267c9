import type { LocalUser } from "./users";

/**
 * Example people for a local tenant, holding the roles `admin` and `member` (the app names what those
 * permit) or none, and one who never verified her email.
 */
export const EXAMPLE_PEOPLE: readonly LocalUser[] = [
  {
    user_id: "auth0|alice",
    email: "alice@example.com",
    email_verified: true,
    name: "Alice Admin",
    nickname: "alice",
    picture: "https://s.gravatar.com/avatar/alice?s=480&d=identicon",
    roles: ["admin"],
  },
  {
    user_id: "auth0|bob",
    email: "bob@example.com",
    email_verified: true,
    name: "Bob Member",
    nickname: "bob",
    picture: "https://s.gravatar.com/avatar/bob?s=480&d=identicon",
    roles: ["member"],
  },
  {
    user_id: "auth0|carol",
    email: "carol@example.com",
    email_verified: true,
    name: "Carol Newcomer",
    nickname: "carol",
    picture: "https://s.gravatar.com/avatar/carol?s=480&d=identicon",
    roles: [],
  },
  // Signed up, never opened the verification email: the dashboard opens no account for her until she
  // does (the issuer's mailbox, /_local/mailbox, holds the link once the app resends it).
  {
    user_id: "auth0|dana",
    email: "dana@example.com",
    email_verified: false,
    name: "Dana Unverified",
    nickname: "dana",
    picture: "https://s.gravatar.com/avatar/dana?s=480&d=identicon",
    roles: [],
  },
];
