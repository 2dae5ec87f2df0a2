// One staff account: disable or re-enable it, reset its password (the
// temporary one is shown once) or its two-step sign-in, and its groups.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.jsx';
import { useSession } from '../lib/session.js';
import { useApi } from '../lib/useApi.js';
import { useForm } from '../lib/useForm.js';
import { Checklist } from '../components/Checklist.jsx';
import { ConfirmButton } from '../components/ConfirmButton.jsx';
import { FormError } from '../components/FormError.jsx';
import { Notice } from '../components/Notice.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { Loaded } from '../components/Status.jsx';
import { TemporaryPassword, temporaryPasswordOf } from '../components/TemporaryPassword.jsx';

function Actions({ user, onChanged }) {
  const me = useSession();
  const [notice, setNotice] = useState(null);
  const [temporary, setTemporary] = useState(null);
  const form = useForm([]);
  const run = async (action, done) => {
    setNotice(null);
    setTemporary(null);
    const r = await form.submit(action);
    if (!r) return;
    done(r);
    onChanged();
  };
  const self = Boolean(me && me.username === user.username);
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Account</h2>
      <p data-testid="user-state">
        {user.disabled ? 'Disabled: cannot sign in.' : 'Active.'}
        {' '}{user.totpEnabled ? 'Two-step sign-in is on.' : 'Two-step sign-in is off.'}
        {user.mustChangePassword ? ' Must change the password at the next sign-in.' : ''}
      </p>
      <FormError error={form.error} />
      <Notice>{notice}</Notice>
      {temporary && <TemporaryPassword username={user.username} password={temporary} />}
      <div className="actions">
        {user.disabled
          ? <button type="button" className="button" disabled={form.busy}
              onClick={() => run(() => api.enableUser(user.id), () => setNotice(`${user.username} can sign in again.`))}>Re-enable</button>
          : <ConfirmButton label="Disable" question={`Disable ${user.username} and end all their sessions?`}
              confirmLabel="Yes, disable" disabled={form.busy || self}
              onConfirm={() => run(() => api.disableUser(user.id), () => setNotice(`${user.username} is disabled; their sessions have ended.`))} />}
        <ConfirmButton label="Reset password" question={`Give ${user.username} a new temporary password?`}
          confirmLabel="Yes, reset" disabled={form.busy || self}
          onConfirm={() => run(() => api.resetPassword(user.id), (r) => {
            const p = temporaryPasswordOf(r);
            if (p) setTemporary(p);
            else setNotice(`${user.username}'s password is reset.`);
          })} />
        <ConfirmButton label="Reset two-step sign-in" question={`Remove ${user.username}'s authenticator and recovery codes?`}
          confirmLabel="Yes, reset" disabled={form.busy || !user.totpEnabled}
          onConfirm={() => run(() => api.resetTotp(user.id), () => setNotice(`${user.username}'s two-step sign-in is reset.`))} />
      </div>
      {self && <p className="hint">This is your own account: change your password on the account page; you cannot disable yourself.</p>}
    </section>
  );
}

function Membership({ user, groups, onChanged }) {
  const [chosen, setChosen] = useState(user.groupIds);
  const [saved, setSaved] = useState(false);
  const form = useForm(['groups']);
  const onSubmit = async (e) => {
    e.preventDefault();
    setSaved(false);
    if (await form.submit(() => api.setUserGroups(user.id, chosen))) {
      setSaved(true);
      onChanged();
    }
  };
  return (
    <section aria-labelledby="groups-heading">
      <h2 id="groups-heading">Groups</h2>
      <form className="form" onSubmit={onSubmit} noValidate>
        <FormError error={form.error} />
        {saved && <Notice>The groups are saved.</Notice>}
        <Checklist id="member-of" legend={`Groups ${user.username} belongs to`} options={groups.map((g) => ({ name: g.name, value: g.id, description: g.description }))}
          value={chosen} onChange={setChosen} error={form.fields.groups} />
        <button type="submit" className="button button-primary" disabled={form.busy}>Save groups</button>
      </form>
    </section>
  );
}

export function UserDetail({ username }) {
  const users = useApi((signal) => api.users({ signal }), [username]);
  const groups = useApi((signal) => api.groups({ signal }), []);
  return (
    <>
      <p className="back"><Link href="/cms/users" className="back-link">All users</Link></p>
      <ScreenHeading>{username}</ScreenHeading>
      <Loaded state={users} what="Loading the user">
        {(list) => {
          const user = list.find((u) => u.username === username);
          if (!user) return <p>There is no user called {username}.</p>;
          return (
            <>
              <Actions user={user} onChanged={users.retry} />
              <Loaded state={groups} what="Loading the groups">
                {(gs) => <Membership user={user} groups={gs} onChanged={users.retry} />}
              </Loaded>
            </>
          );
        }}
      </Loaded>
    </>
  );
}
