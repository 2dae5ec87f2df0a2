// A list of choices shown as large tiles (real buttons). With `pressed`,
// each tile is a toggle (aria-pressed) and several may be on.
export function ChoiceTiles({ options, onChoose, pressed, label, testId, compact = false }) {
  return (
    <ul className={compact ? 'tiles tiles-compact' : 'tiles'} aria-label={label} data-testid={testId}>
      {options.map((o) => (
        <li key={o.id}>
          <button
            type="button"
            className="tile"
            aria-pressed={pressed ? String(pressed.includes(o.id)) : undefined}
            onClick={() => onChoose(o)}
          >
            <span className="tile-title">{o.text}</span>
            {o.desc && <span className="tile-desc">{o.desc}</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}
