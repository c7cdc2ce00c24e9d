import { loginUrl } from '../api/auth';
import { PublicCard } from '../components/PublicCard';

const FAILURES: Record<string, string> = {
  access_denied: 'Sign-in was cancelled.',
  email_not_allowed: 'This email address is not allowed to use this Lookout.',
  account_conflict:
    'Your identity provider says this address now belongs to someone other than the person who uses it here. Ask an administrator of this Lookout.',
};

export function SignIn({ redirectPath }: { redirectPath: string }) {
  // The gateway sends us back to this path after the callback.
  const redirectTo = redirectPath;
  const failure = new URLSearchParams(location.search).get('error');
  return (
    <PublicCard title="Sign in">
        <p class="muted">Watch web pages and hear about the changes that matter to you, in plain words.</p>
        {failure && (
          <div class="notice error" role="alert">
            {FAILURES[failure] ?? 'Signing in did not work. Please try again.'}
          </div>
        )}
        <a class="button google" href={loginUrl(redirectTo)}>
          <svg aria-hidden="true" viewBox="0 0 48 48" width="20" height="20">
            <path fill="#EA4335" d="M24 9.5c3.5 0 6.6 1.2 9.1 3.6l6.8-6.8C35.8 2.4 30.3 0 24 0 14.6 0 6.6 5.4 2.6 13.3l7.9 6.1C12.4 13.7 17.7 9.5 24 9.5z" />
            <path fill="#4285F4" d="M46.1 24.6c0-1.6-.1-3.1-.4-4.6H24v9h12.4c-.5 2.9-2.2 5.3-4.6 6.9l7.4 5.7c4.3-4 6.9-9.9 6.9-17z" />
            <path fill="#FBBC05" d="M10.5 28.6c-.5-1.4-.8-3-.8-4.6s.3-3.2.8-4.6l-7.9-6.1C1 16.6 0 20.2 0 24s1 7.4 2.6 10.7l7.9-6.1z" />
            <path fill="#34A853" d="M24 48c6.5 0 11.9-2.1 15.9-5.8l-7.4-5.7c-2.1 1.4-4.8 2.3-8.5 2.3-6.3 0-11.6-4.2-13.5-10l-7.9 6.1C6.6 42.6 14.6 48 24 48z" />
          </svg>
          Sign in with Google
        </a>
        <p class="small muted">We only read your email address and name.</p>
    </PublicCard>
  );
}
