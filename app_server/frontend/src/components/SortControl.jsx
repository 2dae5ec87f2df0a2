// "Sort by" and direction selects; calls onChange({key, dir}).
export function SortControl({ idPrefix, keys, value, onChange, dirLabels = ['Ascending', 'Descending'] }) {
  return (
    <div className="sort-control">
      <div className="field">
        <label htmlFor={`${idPrefix}-key`}>Sort by</label>
        <select
          id={`${idPrefix}-key`}
          value={value.key}
          onChange={(e) => onChange({ ...value, key: e.currentTarget.value })}
        >
          {keys.map((k) => <option key={k.id} value={k.id}>{k.label}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-dir`}>Order</label>
        <select
          id={`${idPrefix}-dir`}
          value={value.dir}
          onChange={(e) => onChange({ ...value, dir: e.currentTarget.value })}
        >
          <option value="asc">{dirLabels[0]}</option>
          <option value="desc">{dirLabels[1]}</option>
        </select>
      </div>
    </div>
  );
}
