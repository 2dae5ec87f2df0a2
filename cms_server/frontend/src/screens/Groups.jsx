// Groups: the list with what each may do, and a form for a new one.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Link, navigate } from '../lib/router.jsx';
import { useApi } from '../lib/useApi.js';
import { useForm } from '../lib/useForm.js';
import { Checklist } from '../components/Checklist.jsx';
import { Field } from '../components/Field.jsx';
import { FormError } from '../components/FormError.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { Loaded } from '../components/Status.jsx';

function GroupList({ groups }) {
  if (groups.length === 0) return <p className="empty">No groups yet.</p>;
  return (
    <ul className="rows" data-testid="groups">
      {groups.map((g) => (
        <li key={g.name} className="row">
          <Link href={`/cms/groups/${encodeURIComponent(g.name)}`} className="row-title">{g.name}</Link>
          {g.description && <span className="row-text">{g.description}</span>}
          <span className="row-text">{g.permissions.length ? g.permissions.join(', ') : 'No permissions'}</span>
          {g.providers.length > 0 && <span className="row-text">Only courses of: {g.providers.join(', ')}</span>}
        </li>
      ))}
    </ul>
  );
}

function NewGroupForm({ permissions }) {
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState([]);
  const form = useForm(['name', 'permissions']);
  const onSubmit = async (e) => {
    e.preventDefault();
    const n = name.trim();
    if (await form.submit(() => api.createGroup({ name: n, permissions: chosen }))) {
      navigate(`/cms/groups/${encodeURIComponent(n)}`);
    }
  };
  return (
    <section aria-labelledby="new-group-heading">
      <h2 id="new-group-heading">New group</h2>
      <form className="form" onSubmit={onSubmit} noValidate>
        <FormError error={form.error} />
        <Field id="name" label="Name" value={name} onInput={setName} error={form.fields.name} autoComplete="off" required />
        <Checklist id="permissions" legend="Permissions" options={permissions} value={chosen} onChange={setChosen}
          error={form.fields.permissions} />
        <button type="submit" className="button button-primary" disabled={form.busy}>Create group</button>
      </form>
    </section>
  );
}

export function Groups() {
  const groups = useApi((signal) => api.groups({ signal }), []);
  const permissions = useApi((signal) => api.permissions({ signal }), []);
  return (
    <>
      <ScreenHeading>Groups and permissions</ScreenHeading>
      <p className="lead">Users get what their groups may do. A group can be limited to the courses of named providers.</p>
      <Loaded state={groups} what="Loading the groups">{(gs) => <GroupList groups={gs} />}</Loaded>
      <Loaded state={permissions} what="Loading the permissions">{(ps) => <NewGroupForm permissions={ps} />}</Loaded>
    </>
  );
}
