// The course browser's controls: search box, sort, date range.
import { useEffect, useRef, useState } from 'preact/hooks';
import { SortControl } from './SortControl.jsx';

const KEYS = [
  { id: 'date', label: 'Date' },
  { id: 'cpd', label: 'CPD points' },
  { id: 'cost', label: 'Cost' },
];

export function BrowseFilters({ value, rangeError, onChange, onReset }) {
  const [text, setText] = useState(value.search);
  const timer = useRef(null);

  // Outside changes (reset, reload) show in the box.
  useEffect(() => { setText(value.search); }, [value.search]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const type = (e) => {
    const t = e.currentTarget.value;
    setText(t);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => onChange({ search: t }), 300);
  };
  const submit = (e) => {
    e.preventDefault();
    clearTimeout(timer.current);
    onChange({ search: text });
  };

  return (
    <form className="filters" role="search" onSubmit={submit}>
      <div className="field field-search">
        <label htmlFor="browse-search">Search course names</label>
        <div className="search-row">
          <input id="browse-search" type="search" value={text} onInput={type} autoComplete="off" />
          <button type="submit" className="button">Search</button>
        </div>
      </div>
      <SortControl
        idPrefix="browse-sort"
        keys={KEYS}
        value={{ key: value.key, dir: value.dir }}
        onChange={(v) => onChange({ key: v.key, dir: v.dir })}
      />
      <fieldset className="date-range" aria-describedby={rangeError ? 'range-error' : undefined}>
        <legend>Starting between</legend>
        <div className="field">
          <label htmlFor="browse-from">From</label>
          <input id="browse-from" type="date" value={value.from} onChange={(e) => onChange({ from: e.currentTarget.value })} />
        </div>
        <div className="field">
          <label htmlFor="browse-to">To</label>
          <input id="browse-to" type="date" value={value.to} onChange={(e) => onChange({ to: e.currentTarget.value })} />
        </div>
        {rangeError && <p className="form-error" id="range-error" role="alert">{rangeError}</p>}
      </fieldset>
      <p className="filters-reset">
        <button type="button" className="button button-quiet" onClick={onReset}>Reset filters</button>
      </p>
    </form>
  );
}
