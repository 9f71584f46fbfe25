/** The two shapes of a user in examples/pg-migrate, the reshaping, and the upsert of many at once. */

/** A row of users_v1, as the pg source reads it (a bigint arrives as a string). */
export interface UserV1 {
  readonly id: string;
  readonly first_name: string;
  readonly last_name: string;
  readonly email: string;
  readonly created_at: Date;
}

/** The same user, shaped for users_v2. */
export interface UserV2 {
  readonly id: string;
  readonly fullName: string;
  /** Lower-cased. */
  readonly email: string;
  readonly emailDomain: string;
  /** `YYYY-MM-DD`, created_at's day in UTC. */
  readonly signedUp: string;
}

export function reshape(user: UserV1): UserV2 {
  const email = user.email.toLowerCase();
  return {
    id: user.id,
    fullName: `${user.first_name} ${user.last_name}`,
    email,
    emailDomain: email.slice(email.indexOf('@') + 1),
    signedUp: user.created_at.toISOString().slice(0, 10),
  };
}

/** Upserts many users_v2 rows in one statement, one array parameter per column: idempotent, a row written twice is written the same. */
export const UPSERT = `INSERT INTO users_v2 (id, full_name, email, email_domain, signed_up)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::date[])
  ON CONFLICT (id) DO UPDATE SET full_name = EXCLUDED.full_name, email = EXCLUDED.email,
    email_domain = EXCLUDED.email_domain, signed_up = EXCLUDED.signed_up`;

/** The parameters of UPSERT for `users`. */
export function upsertParams(users: readonly UserV2[]): unknown[][] {
  return [users.map((u) => u.id), users.map((u) => u.fullName), users.map((u) => u.email), users.map((u) => u.emailDomain), users.map((u) => u.signedUp)];
}
