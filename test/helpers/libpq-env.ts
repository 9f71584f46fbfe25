/** A PostgreSQL URL as the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) a child process connects with. */
export function libpqEnv(url: string): NodeJS.ProcessEnv {
  const at = new URL(url);
  return {
    PGHOST: at.hostname,
    PGPORT: at.port === '' ? '5432' : at.port,
    PGUSER: decodeURIComponent(at.username),
    ...(at.password === '' ? {} : { PGPASSWORD: decodeURIComponent(at.password) }),
    PGDATABASE: decodeURIComponent(at.pathname.slice(1)),
  };
}
