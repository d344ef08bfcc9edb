import type { CombinedError } from 'urql';

/** The three states every view shows besides its data: loading, empty and error. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" aria-busy="true" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorState({ error, title = 'Could not load this' }: { error: CombinedError | Error | string; title?: string }) {
  const message = typeof error === 'string' ? error : describeError(error);
  return (
    <div className="state state-error" role="alert">
      <strong>{title}</strong>
      <span>{message}</span>
    </div>
  );
}

/** A readable message: GraphQL errors without urql's "[GraphQL]" prefix, network errors said plainly. */
export function describeError(error: CombinedError | Error): string {
  if ('graphQLErrors' in error && error.graphQLErrors.length) return error.graphQLErrors.map((e) => e.message).join('; ');
  if ('networkError' in error && error.networkError) return `The server could not be reached (${error.networkError.message}).`;
  return error.message.replace(/^\[(GraphQL|Network)\]\s*/, '');
}
