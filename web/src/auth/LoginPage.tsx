import { useState } from 'react';
import { gql, useMutation } from 'urql';
import { resetSubscriptions } from '../lib/client.ts';
import { describeError } from '../ui/states.tsx';
import { sessionFromToken, startSession } from './session.ts';

const LoginMutation = gql`
  mutation Login($email: String!, $password: String!) {
    login(input: { email: $email, password: $password }) {
      result
    }
  }
`;

/** The only page anonymous users see; after login they stay on the URL they opened. */
export function LoginPage({ notice }: { notice: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [state, login] = useMutation<{ login: { result: string | null } | null }>(LoginMutation);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await login({ email: email.trim(), password });
    if (result.error) return setError(describeError(result.error));
    const token = result.data?.login?.result;
    if (!token) return setError('Wrong email or password, or the account is disabled.');
    const session = sessionFromToken(token, { email: email.trim() });
    if (!session) return setError('The server answered with a token this page cannot read.');
    resetSubscriptions();
    startSession(session);
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-label="Log in">
        <h1>pgsiem</h1>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label>
          Email
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus name="email" />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required name="password" />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={state.fetching}>
          {state.fetching ? 'Logging in…' : 'Log in'}
        </button>
        <p className="muted small">
          No account yet? An administrator creates one with <code>npx siem user add &lt;email&gt; --role analyst</code>.
        </p>
      </form>
    </main>
  );
}
