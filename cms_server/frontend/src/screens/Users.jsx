// Staff accounts: the list, and a form for a new one.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.jsx';
import { useApi } from '../lib/useApi.js';
import { useForm } from '../lib/useForm.js';
import { Checklist } from '../components/Checklist.jsx';
import { Field } from '../components/Field.jsx';
import { FormError } from '../components/FormError.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { Loaded } from '../components/Status.jsx';
import { TemporaryPassword, temporaryPasswordOf } from '../components/TemporaryPassword.jsx';

function UserList({ users }) {
  if (users.length === 0) return <p className="empty">No users yet.</p>;
  return (
    <ul className="rows" data-testid="users">
      {users.map((u) => (
        <li key={u.username} className="row">
          <Link href={`/cms/users/${encodeURIComponent(u.username)}`} className="row-title">{u.username}</Link>
          <span className="row-meta">
            {u.disabled ? <span className="badge badge-off">Disabled</span> : <span className="badge">Active</span>}
            {u.totpEnabled && <span className="badge">Two-step</span>}
            {u.mustChangePassword && <span className="badge badge-warn">Must change password</span>}
          </span>
          <span className="row-text">{u.groups.length ? u.groups.join(', ') : 'No groups'}</span>
        </li>
      ))}
    </ul>
  );
}

function NewUserForm({ groups, onCreated }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [chosen, setChosen] = useState([]);
  const [created, setCreated] = useState(null);
  const form = useForm(['username', 'password', 'groups']);
  const onSubmit = async (e) => {
    e.preventDefault();
    const name = username.trim();
    const r = await form.submit(() => api.createUser({ username: name, password, groups: chosen }));
    if (!r) return;
    setCreated({ username: name, password: temporaryPasswordOf(r) });
    setUsername(''); setPassword(''); setChosen([]);
    onCreated();
  };
  return (
    <section aria-labelledby="new-user-heading">
      <h2 id="new-user-heading">New user</h2>
      {created && (created.password
        ? <TemporaryPassword username={created.username} password={created.password} />
        : <p className="notice" role="status">{created.username} can now sign in with the password you gave, and must choose their own at the first sign-in.</p>)}
      <form className="form" onSubmit={onSubmit} noValidate>
        <FormError error={form.error} />
        <Field id="username" label="Username" value={username} onInput={setUsername} error={form.fields.username}
          autoComplete="off" autoCapitalize="none" spellcheck={false} required />
        <Field id="password" label="First password" type="password" value={password} onInput={setPassword}
          hint="At least 12 characters. Give it to them in person; they must choose their own at the first sign-in."
          error={form.fields.password} autoComplete="new-password" required />
        <Checklist id="groups" legend="Groups" options={groups.map((g) => ({ name: g.name, value: g.id, description: g.description }))} value={chosen}
          onChange={setChosen} error={form.fields.groups} />
        <button type="submit" className="button button-primary" disabled={form.busy}>Create user</button>
      </form>
    </section>
  );
}

export function Users() {
  const users = useApi((signal) => api.users({ signal }), []);
  const groups = useApi((signal) => api.groups({ signal }), []);
  return (
    <>
      <ScreenHeading>Users</ScreenHeading>
      <Loaded state={users} what="Loading the users">{(list) => <UserList users={list} />}</Loaded>
      <Loaded state={groups} what="Loading the groups">
        {(gs) => <NewUserForm groups={gs} onCreated={users.retry} />}
      </Loaded>
    </>
  );
}
