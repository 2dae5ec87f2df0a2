// The course editor's fields: name, provider (with suggestions), URL,
// cost or "cost varies", level and format from the App's lists, CPD
// (points, to be confirmed, private, not applicable), the dates or
// "ongoing", and one to three category tags. Each field shows the
// server's message for it; the rules are the server's (SPEC section 7).
import { CPD_STATES, dateRowError } from '../lib/courses.js';
import { Field } from './Field.jsx';
import { ProviderInput } from './ProviderInput.jsx';
import { SelectField } from './SelectField.jsx';

const MAX_TAGS = 3;

// A message for a field that is not shown as an input just now.
function ErrorText({ name, error }) {
  if (!error) return null;
  return <p id={`${name}-error`} className="field-error" data-testid={`error-${name}`}>{error}</p>;
}

function Cost({ form, set, fields }) {
  const err = fields.cost;
  return (
    <fieldset className={err || fields.cost_varies ? 'group field-invalid' : 'group'}>
      <legend>Cost</legend>
      <div className="check">
        <input type="checkbox" id="cost_varies" checked={form.costVaries}
          onChange={(e) => set({ costVaries: e.currentTarget.checked })} />
        <label htmlFor="cost_varies">The cost varies</label>
      </div>
      {!form.costVaries && (
        <Field id="cost" label="Cost (SGD)" hint="A number with at most two decimals; 0 for free." value={form.cost}
          onInput={(v) => set({ cost: v })} error={err} inputMode="decimal" autoComplete="off" />
      )}
      {form.costVaries && err && <ErrorText name="cost" error={err} />}
      <ErrorText name="cost_varies" error={fields.cost_varies} />
    </fieldset>
  );
}

function Cpd({ form, set, fields }) {
  const err = fields.cpd_state || fields.cpd;
  return (
    <fieldset className={err ? 'group field-invalid' : 'group'} aria-describedby={err ? 'cpd_state-error' : undefined}>
      <legend>CPD</legend>
      {!form.cpdState && <p className="field-hint">Not stated yet: choose one.</p>}
      <div className="radios">
        {CPD_STATES.map((s) => (
          <div key={s.value} className="check">
            <input type="radio" name="cpd_state" id={`cpd-${s.value}`} value={s.value} checked={form.cpdState === s.value}
              onChange={() => set({ cpdState: s.value })} />
            <label htmlFor={`cpd-${s.value}`}>{s.label}</label>
          </div>
        ))}
      </div>
      {err && <p id="cpd_state-error" className="field-error" data-testid="error-cpd_state">{err}</p>}
      {form.cpdState === 'points' && (
        <Field id="cpd_points" label="CPD points" value={form.cpdPoints} onInput={(v) => set({ cpdPoints: v })}
          error={fields.cpd_points} inputMode="decimal" autoComplete="off" />
      )}
      {form.cpdState !== 'points' && fields.cpd_points && <ErrorText name="cpd_points" error={fields.cpd_points} />}
    </fieldset>
  );
}

function Dates({ form, set, fields }) {
  const rows = form.dates;
  const setRow = (i, part, v) => set({ dates: rows.map((d, j) => (j === i ? { ...d, [part]: v } : d)) });
  const remove = (i) => set({ dates: rows.filter((_, j) => j !== i) });
  const add = () => set({ dates: [...rows, { start: '', end: '' }] });
  const err = fields.dates || fields.is_ongoing;
  return (
    <fieldset className={err ? 'group field-invalid' : 'group'} aria-describedby={err ? 'dates-error' : undefined}>
      <legend>Dates</legend>
      <div className="check">
        <input type="checkbox" id="is_ongoing" checked={form.ongoing} onChange={(e) => set({ ongoing: e.currentTarget.checked })} />
        <label htmlFor="is_ongoing">Ongoing (may also have dates)</label>
      </div>
      {rows.length === 0 && <p className="field-hint">No dates.</p>}
      <ol className="date-rows">
        {rows.map((d, i) => {
          const es = dateRowError(fields, i, 'start');
          const ee = dateRowError(fields, i, 'end');
          return (
            // eslint-disable-next-line react/no-array-index-key
            <li key={i} className="date-row" data-testid="date-row">
              <Field id={`date-${i}-start`} label={`Run ${i + 1}: start`} type="date" value={d.start}
                onInput={(v) => setRow(i, 'start', v)} error={es} />
              <Field id={`date-${i}-end`} label={`Run ${i + 1}: end (optional)`} type="date" value={d.end}
                onInput={(v) => setRow(i, 'end', v)} error={ee !== es ? ee : ''} />
              <button type="button" className="button button-quiet" onClick={() => remove(i)}
                aria-label={`Remove run ${i + 1}`}>Remove</button>
            </li>
          );
        })}
      </ol>
      <div><button type="button" className="button" onClick={add}>Add dates</button></div>
      {err && <p id="dates-error" className="field-error" data-testid="error-dates">{err}</p>}
    </fieldset>
  );
}

function Categories({ form, set, fields, verticals }) {
  const tags = form.categories;
  const setTag = (i, v) => set({ categories: tags.map((t, j) => (j === i ? v : t)) });
  const remove = (i) => set({ categories: tags.filter((_, j) => j !== i) });
  const add = () => set({ categories: [...tags, ''] });
  const err = fields.category_ids || fields.categories;
  return (
    <fieldset className={err ? 'group field-invalid' : 'group'} aria-describedby={err ? 'categories-error' : undefined}>
      <legend>Category tags</legend>
      <p className="field-hint">One to three, each a category of a vertical.</p>
      <ol className="tag-rows">
        {tags.map((t, i) => {
          const e = fields[`category_ids[${i}]`] || fields[`category_ids.${i}`];
          return (
            // eslint-disable-next-line react/no-array-index-key
            <li key={i} className="tag-row">
              <SelectField id={`category-${i}`} label={`Tag ${i + 1}`} value={t} onChange={(v) => setTag(i, v)} error={e}>
                <option value="">Choose a category</option>
                {verticals.map((v) => (
                  <optgroup key={v.id} label={v.name}>
                    {v.categories.map((c) => <option key={c.id} value={c.id}>{`${v.name} → ${c.name}`}</option>)}
                  </optgroup>
                ))}
              </SelectField>
              {tags.length > 1 && (
                <button type="button" className="button button-quiet" onClick={() => remove(i)}
                  aria-label={`Remove tag ${i + 1}`}>Remove</button>
              )}
            </li>
          );
        })}
      </ol>
      {tags.length < MAX_TAGS && <div><button type="button" className="button" onClick={add}>Add a tag</button></div>}
      {err && <p id="categories-error" className="field-error" data-testid="error-categories">{err}</p>}
    </fieldset>
  );
}

// A choice from one of the App's lists; without the list (an older
// server), the id as a number.
function ListField({ id, label, options, value, onChange, error }) {
  if (!options.length) {
    return <Field id={id} label={`${label} (id)`} hint={`The App's ${label.toLowerCase()} id.`} value={value}
      onInput={onChange} error={error} inputMode="numeric" autoComplete="off" />;
  }
  return (
    <SelectField id={id} label={label} value={value} onChange={onChange} error={error}>
      <option value="">Choose</option>
      {options.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
    </SelectField>
  );
}

export function CourseForm({ form, setForm, fields, lists }) {
  const set = (patch) => setForm({ ...form, ...patch });
  return (
    <>
      <Field id="name" label="Name" value={form.name} onInput={(v) => set({ name: v })} error={fields.name}
        autoComplete="off" required />
      <ProviderInput value={form.provider} onInput={(v) => set({ provider: v })} error={fields.provider} />
      <Field id="url" label="URL" type="url" value={form.url} onInput={(v) => set({ url: v })} error={fields.url}
        autoComplete="off" spellcheck={false} required />
      <Cost form={form} set={set} fields={fields} />
      <div className="field-pair">
        <ListField id="level_id" label="Level" options={lists.levels} value={form.level} onChange={(v) => set({ level: v })}
          error={fields.level_id || fields.level} />
        <ListField id="format_id" label="Format" options={lists.formats} value={form.format} onChange={(v) => set({ format: v })}
          error={fields.format_id || fields.format} />
      </div>
      <Cpd form={form} set={set} fields={fields} />
      <Dates form={form} set={set} fields={fields} />
      <Categories form={form} set={set} fields={fields} verticals={lists.verticals} />
    </>
  );
}
