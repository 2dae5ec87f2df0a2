// One group: its permissions, the providers it is limited to (object
// level grants: none means every provider), and deleting it.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Link, navigate } from '../lib/router.jsx';
import { useApi } from '../lib/useApi.js';
import { useForm } from '../lib/useForm.js';
import { Checklist } from '../components/Checklist.jsx';
import { ConfirmButton } from '../components/ConfirmButton.jsx';
import { FormError } from '../components/FormError.jsx';
import { Notice } from '../components/Notice.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { Loaded } from '../components/Status.jsx';

function PermissionsForm({ group, permissions, onChanged }) {
  const [chosen, setChosen] = useState(group.permissions);
  const [saved, setSaved] = useState(false);
  const form = useForm(['permissions']);
  const onSubmit = async (e) => {
    e.preventDefault();
    setSaved(false);
    if (await form.submit(() => api.updateGroup({ id: group.id, permissions: chosen }))) {
      setSaved(true);
      onChanged();
    }
  };
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError error={form.error} />
      {saved && <Notice>The permissions are saved.</Notice>}
      <Checklist id="permissions" legend="Permissions" options={permissions} value={chosen} onChange={setChosen}
        error={form.fields.permissions} />
      <button type="submit" className="button button-primary" disabled={form.busy}>Save permissions</button>
    </form>
  );
}

// One provider name a line.
function ProvidersForm({ group, onChanged }) {
  const [text, setText] = useState(group.providers.join('\n'));
  const [saved, setSaved] = useState(false);
  const form = useForm(['providers']);
  const onSubmit = async (e) => {
    e.preventDefault();
    setSaved(false);
    const providers = [...new Set(text.split('\n').map((s) => s.trim()).filter(Boolean))];
    if (await form.submit(() => api.setGroupProviders(group.id, providers))) {
      setSaved(true);
      onChanged();
    }
  };
  const error = form.fields.providers;
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError error={form.error} />
      {saved && <Notice>The providers are saved.</Notice>}
      <div className={error ? 'field field-invalid' : 'field'}>
        <label htmlFor="providers">Limit to the courses of these providers</label>
        <p id="providers-hint" className="field-hint">One provider name a line. Empty: every provider.</p>
        <textarea id="providers" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'providers-hint providers-error' : 'providers-hint'} />
        {error && <p id="providers-error" className="field-error">{error}</p>}
      </div>
      <button type="submit" className="button button-primary" disabled={form.busy}>Save providers</button>
    </form>
  );
}

function DeleteGroup({ group }) {
  const form = useForm([]);
  const onConfirm = async () => {
    if (await form.submit(() => api.deleteGroup(group.id))) navigate('/cms/groups');
  };
  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete</h2>
      <FormError error={form.error} />
      <ConfirmButton label="Delete this group" question={`Delete ${group.name}? Its members lose what it allows.`}
        confirmLabel="Yes, delete" disabled={form.busy} onConfirm={onConfirm} />
    </section>
  );
}

export function GroupDetail({ name }) {
  const groups = useApi((signal) => api.groups({ signal }), [name]);
  const permissions = useApi((signal) => api.permissions({ signal }), []);
  return (
    <>
      <p className="back"><Link href="/cms/groups" className="back-link">All groups</Link></p>
      <ScreenHeading>{name}</ScreenHeading>
      <Loaded state={groups} what="Loading the group">
        {(list) => {
          const group = list.find((g) => g.name === name);
          if (!group) return <p>There is no group called {name}.</p>;
          return (
            <>
              {group.description && <p className="lead">{group.description}</p>}
              {group.members !== null && <p>{group.members === 1 ? '1 member.' : `${group.members} members.`}</p>}
              <section aria-labelledby="permissions-heading">
                <h2 id="permissions-heading">What it may do</h2>
                <Loaded state={permissions} what="Loading the permissions">
                  {(ps) => <PermissionsForm group={group} permissions={ps} onChanged={groups.retry} />}
                </Loaded>
              </section>
              <section aria-labelledby="providers-heading">
                <h2 id="providers-heading">Providers</h2>
                <ProvidersForm group={group} onChanged={groups.retry} />
              </section>
              <DeleteGroup group={group} />
            </>
          );
        }}
      </Loaded>
    </>
  );
}
