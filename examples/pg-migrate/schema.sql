-- examples/pg-migrate: the table that is, and the reshaped table it is copied into.
CREATE TABLE IF NOT EXISTS users_v1 (
  id         bigint PRIMARY KEY,
  first_name text NOT NULL,
  last_name  text NOT NULL,
  email      text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS users_v2 (
  id           bigint PRIMARY KEY,
  full_name    text NOT NULL,
  email        text NOT NULL, -- lower-cased
  email_domain text NOT NULL,
  signed_up    date NOT NULL  -- created_at's day, in UTC
);
